import { useState } from 'react';
import { Alert, Button, FileButton, Group, List, Modal, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { IconFileImport } from '@tabler/icons-react';
import type { ImportReport } from '@flowpilot/contracts';
import { useImportTrees } from './trees-api.ts';

/** Import a JSON tree or bundle, or a Mermaid flowchart, and show what was created and what failed. */
export function ImportTreesModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [format, setFormat] = useState<'json' | 'mermaid'>('json');
  const [content, setContent] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const importTrees = useImportTrees();
  const close = () => {
    setContent('');
    setReport(null);
    importTrees.reset();
    onClose();
  };
  const submit = async () => {
    setReport(await importTrees.mutateAsync({ format, content }));
  };
  return (
    <Modal opened={opened} onClose={close} title="Import trees" size="lg" centered>
      <Stack>
        <SegmentedControl
          value={format}
          onChange={(v) => setFormat(v as 'json' | 'mermaid')}
          data={[
            { value: 'json', label: 'FlowPilot JSON (tree or bundle)' },
            { value: 'mermaid', label: 'Mermaid flowchart' },
          ]}
        />
        <Group>
          <FileButton
            accept={format === 'json' ? 'application/json,.json' : '.mmd,.md,.txt,text/plain'}
            onChange={async (file) => file && setContent(await file.text())}
          >
            {(props) => (
              <Button variant="default" leftSection={<IconFileImport size={16} />} {...props}>
                Choose a file…
              </Button>
            )}
          </FileButton>
          <Text size="sm" c="dimmed">
            or paste below
          </Text>
        </Group>
        <Textarea
          label={format === 'json' ? 'JSON' : 'Mermaid'}
          placeholder={format === 'json' ? '{"title": "…", "nodes": […]}' : 'flowchart TD\n  A{Is it plugged in?} -->|Yes| B[Restart it]'}
          autosize
          minRows={6}
          maxRows={16}
          ff="monospace"
          value={content}
          onChange={(e) => setContent(e.currentTarget.value)}
        />
        {importTrees.error && (
          <Alert color="red" role="alert" title="Nothing imported">
            {importTrees.error.message}
          </Alert>
        )}
        {report && (
          <Alert color={report.failed ? 'orange' : 'green'} title={`${report.created} created, ${report.failed} failed`}>
            <List size="sm">
              {report.results.map((r) => (
                <List.Item key={r.index}>
                  <Text span fw={500}>
                    {r.title ?? `Tree ${r.index + 1}`}
                  </Text>
                  : {r.status === 'created' ? 'created (as a draft unless it said otherwise)' : r.errors.map((e) => e.message).join('; ')}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Close
          </Button>
          <Button onClick={submit} loading={importTrees.isPending} disabled={!content.trim()}>
            Import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
