import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEAD_LETTER_REASONS,
  deadLetterTopicOf,
  eventTypes,
  readDeadLetters,
  replayDeadLetters,
  selectDeadLetters,
  topicFor,
  type DeadLetter,
  type DeadLetterReason,
  type EventType,
} from '@stratus/events';
import { printTable } from '../api-client.ts';
import { withKafka, type KafkaAccess } from '../cli-config.ts';

interface TypedLetter {
  type: EventType;
  letter: DeadLetter;
}

function limit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('give a positive whole number');
  return number;
}

/**
 * The dead-letter topic of each type. Services create every topic when they start, so a missing
 * one almost always means KAFKA_TOPIC_PREFIX differs from theirs: saying so beats reporting "no
 * dead letters" for topics that were never there, or kafkajs retrying an unknown topic.
 */
async function deadLetterTopics({ admin, topicPrefix }: KafkaAccess, types: readonly EventType[]): Promise<Map<EventType, string>> {
  const existing = new Set(await admin.listTopics());
  const topics = new Map(types.map((type) => [type, deadLetterTopicOf(topicFor(topicPrefix, type))]));
  const missing = [...topics.values()].filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` and ${missing.length - 1} more` : '';
    throw new Error(
      `no topic ${missing[0]}${more} on this cluster: set KAFKA_TOPIC_PREFIX to the services' prefix ` +
        `(now "${topicPrefix}"), or start a service, which creates the topics`,
    );
  }
  return topics;
}

function printLetters(letters: readonly TypedLetter[]): void {
  printTable(
    letters.map(({ type, letter }) => ({
      failed_at: letter.failedAt,
      event_type: type,
      event_id: letter.eventId ?? '-',
      reason: letter.reason,
      consumer_group: letter.consumerGroup,
      original: `${letter.originalTopic}/${letter.originalPartition}@${letter.originalOffset}`,
      error: letter.error.split('\n', 1)[0],
    })),
    ['failed_at', 'event_type', 'event_id', 'reason', 'consumer_group', 'original', 'error'],
  );
}

/** One line per letter for jq: everything the letter holds, the original key and value as text. */
function printJsonLines(letters: readonly TypedLetter[]): void {
  for (const { type, letter } of letters) {
    console.log(
      JSON.stringify({
        failed_at: letter.failedAt,
        event_type: type,
        event_id: letter.eventId ?? null,
        reason: letter.reason,
        consumer_group: letter.consumerGroup,
        error: letter.error,
        original_topic: letter.originalTopic,
        original_partition: letter.originalPartition,
        original_offset: letter.originalOffset,
        dead_letter_topic: letter.topic,
        dead_letter_partition: letter.partition,
        dead_letter_offset: letter.offset,
        key: letter.key?.toString() ?? null,
        value: letter.value?.toString() ?? null,
        headers: letter.headers,
      }),
    );
  }
}

const plural = (count: number) => `${count} dead letter${count === 1 ? '' : 's'}`;

export function deadLettersCommand(program: Command): void {
  const deadLetters = program
    .command('dead-letters')
    .description('inspect and replay the events consumers could not process (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX)');

  deadLetters
    .command('list')
    .description('list dead letters, oldest first; nothing is consumed or changed')
    .addArgument(new Argument('[event-type...]', 'only these event types (default: all)').choices(eventTypes))
    .option('--limit <n>', 'show at most the oldest n', limit, 100)
    .option('--json', 'one JSON object per line, with the original value as text (the count goes to stderr)')
    .addHelpText('after', '\nExamples:\n  stratus dead-letters list\n  stratus dead-letters list action.requested --json | jq .value')
    .action(async (types: EventType[], options: { limit: number; json?: boolean }) => {
      const wanted = types.length > 0 ? [...new Set(types)] : eventTypes;
      const letters = await withKafka(async (access) => {
        const topics = await deadLetterTopics(access, wanted);
        const perType = await Promise.all(
          [...topics].map(async ([type, topic]) =>
            (await readDeadLetters(access.kafka, { topic, limit: options.limit })).map((letter) => ({ type, letter })),
          ),
        );
        // Each type's oldest `limit` are enough to find the oldest `limit` of all.
        return perType
          .flat()
          .sort((a, b) => a.letter.failedAt.localeCompare(b.letter.failedAt))
          .slice(0, options.limit);
      });

      const scope = wanted.length === eventTypes.length ? `any of the ${wanted.length} event types` : wanted.join(', ');
      const count =
        letters.length === 0
          ? `no dead letters for ${scope}`
          : letters.length === options.limit
            ? `${plural(letters.length)}, the oldest; there may be more (raise --limit)`
            : plural(letters.length);
      if (options.json) {
        printJsonLines(letters);
        // stdout stays pure JSON lines for jq.
        console.error(count);
      } else {
        if (letters.length > 0) printLetters(letters);
        console.log(count);
      }
    });

  deadLetters
    .command('replay')
    .description("republish an event type's dead letters to the topic they came from")
    .addArgument(new Argument('<event-type>').choices(eventTypes))
    .option('--event-id <id...>', 'only the letters of these event ids')
    .addOption(new Option('--reason <reason>', 'only the letters dead-lettered for this reason').choices(DEAD_LETTER_REASONS))
    .option('--consumer-group <group>', 'only the letters this consumer group dead-lettered')
    .option('--dry-run', 'show what would be replayed, and send nothing')
    .addHelpText(
      'after',
      '\nConsumers skip event ids they have already applied, so replaying a letter twice is harmless.\n' +
        '\nExamples:\n  stratus dead-letters replay action.requested --reason handler_failed --dry-run\n' +
        '  stratus dead-letters replay action.requested --event-id <id> <id>',
    )
    .action(
      async (
        type: EventType,
        options: { eventId?: string[]; reason?: DeadLetterReason; consumerGroup?: string; dryRun?: boolean },
      ) => {
        const select = selectDeadLetters({ eventIds: options.eventId, reason: options.reason, consumerGroup: options.consumerGroup });
        const letters = await withKafka(async (access) => {
          const topic = (await deadLetterTopics(access, [type])).get(type)!;
          return replayDeadLetters(access.kafka, { topic, select, dryRun: options.dryRun });
        });

        const found = new Set(letters.map((letter) => letter.eventId));
        const unmatched = (options.eventId ?? []).filter((id) => !found.has(id));
        if (unmatched.length > 0) console.error(`no dead letter of ${type} matching these filters has event id ${unmatched.join(', ')}`);
        if (letters.length === 0) {
          console.log(`no dead letters of ${type} match: nothing replayed`);
          return;
        }
        const destination = [...new Set(letters.map((letter) => letter.originalTopic))].join(', ');
        if (options.dryRun) {
          printLetters(letters.map((letter) => ({ type, letter })));
          console.log(`dry run: would replay ${plural(letters.length)} of ${type} to ${destination}; nothing was sent`);
          return;
        }
        console.log(`replayed ${plural(letters.length)} of ${type} to ${destination}`);
        console.log(
          'Consumers skip event ids they have already applied, so a letter replayed twice is applied once; ' +
            'one that fails again is dead-lettered again. The dead letters themselves stay listed.',
        );
      },
    );
}
