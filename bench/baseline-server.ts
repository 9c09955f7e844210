/**
 * The two baselines every benchmark is quoted against, served under the same
 * process settings as FlowPilot: a bare Fastify route returning a static JSON
 * body, and a bare route doing one primary-key SELECT through a pool of the
 * same size.
 */
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
const app = Fastify({ logger: false });
const body = { status: 'ok', service: 'baseline', items: [1, 2, 3] };

app.get('/json', async () => body);
app.get<{ Querystring: { id: string } }>('/db', async (request) => {
  const { rows } = await pool.query('select id, email, full_name, role, team_id from users where id = $1', [request.query.id]);
  return rows[0] ?? null;
});

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => pool.end()).then(() => process.exit(0));
});
