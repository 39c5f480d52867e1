import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';

interface Props extends Omit<ButtonProps, 'children' | 'onClick'> {
  label: string;
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  /** Extra fields of the dialog (a comment, a reason): their values are read by onConfirm. */
  children?: ReactNode;
  onConfirm: () => Promise<unknown>;
}

/** Anything that changes a cloud resource or a decision asks first, in a dialog that says what will happen. */
export function ConfirmButton({ label, title, message, confirmLabel = 'Confirm', children, onConfirm, ...buttonProps }: Props) {
  const [opened, setOpened] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      await onConfirm();
      setOpened(false);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button size="xs" {...buttonProps} onClick={() => setOpened(true)}>
        {label}
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          {children}
          {failure && (
            <Alert color="red" role="alert">
              {failure}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button onClick={confirm} loading={busy} color={buttonProps.color}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
