import type { Job } from 'pg-boss';
import type { Db } from '../../db/client.ts';
import { cleanModelText, type AiProvider } from '../../integrations/ai/index.ts';
import { DeliveryError } from '../../integrations/outbound.ts';
import { JOB_RETRY_LIMIT, type JobData, type JobQueue } from '../../lib/jobs.ts';
import { renderHtml, renderMarkdown } from './documentation.ts';
import type { SummaryHook } from './sessions.service.ts';
import * as repo from './sessions.repository.ts';
import { SUMMARY_MAX_CHARS, summaryPrompt } from './summary-prompt.ts';

interface Log {
  info: (obj: object, msg: string) => void;
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

type SummarizeJob = Pick<Job<JobData['documentation.summarize']>, 'retryCount' | 'signal'>;

export type SessionsJobs = ReturnType<typeof createSessionsJobs>;

/**
 * The sessions' side effects: an AI summary that replaces the template one
 * after a session is written up, when an AI provider is configured.
 */
export function createSessionsJobs(deps: { db: Db; jobs: Pick<JobQueue, 'send' | 'wake'>; ai: AiProvider | null; log: Log }) {
  const { db, jobs, ai, log } = deps;

  const summaryHook: SummaryHook = {
    async enqueue(tx, documentationId) {
      if (!ai) return false;
      await jobs.send(tx, 'documentation.summarize', { documentationId });
      return true;
    },
    wake() {
      jobs.wake('documentation.summarize');
    },
  };

  /**
   * Asks the AI for a summary of one documentation and puts it in place of the
   * template one. Idempotent: a documentation that is gone or already has an AI
   * summary is skipped. A failure that a later try can cure is thrown, so the
   * queue retries with backoff; any other leaves the template in place.
   */
  async function summarizeDocumentation(data: JobData['documentation.summarize'], job?: SummarizeJob): Promise<void> {
    const doc = await repo.findDocumentation(db, data.documentationId);
    if (!doc || doc.generated_by === 'ai') return;
    if (!ai) {
      log.info({ documentationId: doc.id }, 'no AI provider is configured any more: the template summary stays');
      return;
    }
    const context = { documentationId: doc.id, provider: ai.label, model: ai.model };
    let summary: string;
    try {
      summary = cleanModelText(await ai.generate(summaryPrompt(doc), job?.signal), SUMMARY_MAX_CHARS);
    } catch (err) {
      const attempt = (job?.retryCount ?? 0) + 1;
      if (!(err instanceof DeliveryError)) {
        log.error({ ...context, attempt, err: { message: err instanceof Error ? err.message : String(err) } }, 'the AI summary failed unexpectedly');
        throw err;
      }
      const again = err.retryable && attempt <= JOB_RETRY_LIMIT;
      log.warn({ ...context, attempt, status: err.status, reason: err.message }, again ? 'the AI summary failed: it will be tried again' : 'the AI summary failed: the template summary stays');
      // The queue retries what is thrown, and marks a last failure as failed.
      if (err.retryable) throw err;
      return;
    }
    if (!summary) {
      log.warn(context, 'the AI answered with nothing usable: the template summary stays');
      return;
    }
    await repo.replaceTemplateSummary(db, doc.id, {
      summary,
      markdown: renderMarkdown(doc.content, summary, doc.kind),
      html: renderHtml(doc.content, summary, doc.kind),
    });
  }

  return { summaryHook, summarizeDocumentation };
}
