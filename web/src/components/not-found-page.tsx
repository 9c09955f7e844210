import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <Stack align="center" py={80} gap="sm">
      <Title order={2}>Page not found</Title>
      <Text c="dimmed">This page does not exist, or you do not have access to it.</Text>
      <Button component={Link} to="/" variant="light">
        Back to home
      </Button>
    </Stack>
  );
}
