import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { usePageTitle } from './use-page-title.ts';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <Stack align="center" py={80} gap="sm">
      <Title order={1} size="h2">
        Page not found
      </Title>
      <Text c="dimmed" ta="center">
        This page does not exist, or you do not have access to it.
      </Text>
      <Button component={Link} to="/" variant="light">
        Back to home
      </Button>
    </Stack>
  );
}
