import { Group, Text } from '@mantine/core';

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <Group gap={8} wrap="nowrap">
      <img src="/favicon.svg" width={size} height={size} alt="" />
      <Text fw={800} size="lg" style={{ letterSpacing: '-0.02em' }}>
        FlowPilot
      </Text>
    </Group>
  );
}
