import { createTheme, DEFAULT_THEME, type CSSVariablesResolver } from '@mantine/core';

/**
 * Mantine's defaults miss WCAG AA contrast in places (white on blue 6, white on yellow, dimmed
 * gray text, light variants' text on their tint): darker shades, black or white text picked per
 * background (the threshold keeps white on red 8 and blue 8, black on green, orange and yellow 8),
 * and near-black text on tints. axe-core checks every page in the browser tests.
 */
export const theme = createTheme({ primaryShade: 8, autoContrast: true, luminanceThreshold: 0.2 });

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(
      Object.keys(DEFAULT_THEME.colors).map((name) => [`--mantine-color-${name}-light-color`, 'var(--mantine-color-dark-7)']),
    ),
  },
  dark: {},
});
