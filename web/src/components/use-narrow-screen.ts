import { useMediaQuery } from '@mantine/hooks';

/**
 * True on a phone-sized screen (below Mantine's `sm` breakpoint). Read on the
 * first render, not after it, so a canvas that fits itself to its box at mount
 * measures the box it will keep.
 */
export function useNarrowScreen(): boolean {
  return useMediaQuery('(max-width: 48em)', undefined, { getInitialValueInEffect: false });
}
