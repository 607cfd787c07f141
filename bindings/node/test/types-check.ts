// Compiled (never run) by scripts/check-types.js: the declarations must type a normal use.
import rampart = require('../index');

const engine: rampart.Engine = new rampart.Engine({ mode: 'block', block_response: { body: 'blocked {{event_id}}' } });
const request = new rampart.Request().setMethod('POST').setPath('/login').addInput('body', 'email', "' OR 1=1-- ");
const verdict: rampart.Verdict = engine.checkSql(request, 'sqlite', Buffer.from('SELECT 1'));
const start: number | undefined = verdict.span?.start;
const line: string | null = engine.eventJson(request, verdict, 'sql', 'SELECT 1', { operation: 'db.query', stack: [] });
const page: rampart.BlockResponse = engine.blockResponse('id');
const refused: rampart.RampartBlockedError | null = rampart.checkSql('db.query', 'postgres', 'SELECT 1');
if (refused !== null) throw refused;
const verdicts: rampart.Verdict[] = [
  engine.checkShell(request, 'ls'),
  engine.checkExec(request, ['ls', Buffer.from('-l')]),
  engine.checkNosql(request, '{"a":1}'),
  engine.checkPath(request, 'files/a.txt'),
  engine.checkUrl(request, 'https://example.com/'),
  engine.checkResolvedIp(request, 'example.com', '93.184.215.14'),
  engine.checkRedirect(request.setHost('shop.example'), '/account'),
  engine.checkHeader(request, 'x-name', 'bob'),
];
const refusals: (rampart.RampartBlockedError | null)[] = [
  rampart.checkShell('sh', 'ls'),
  rampart.checkExec('run', ['ls']),
  rampart.checkNosql('db.find', '{}'),
  rampart.checkPath('open', 'a.txt'),
  rampart.checkUrl('get', 'https://example.com/'),
  rampart.checkRedirect('redirect', '/'),
  rampart.checkHeader('set', 'x-name', 'bob'),
];
console.log(verdicts.length, refusals.length);
try {
  rampart.Engine.fromEnv();
} catch (error) {
  if (error instanceof rampart.InvalidPolicyError) console.log(error.code, error.errno);
}
const running: boolean = rampart.configure({ mode: 'report' }) && rampart.inRequest();
console.log(start, line, page.status, running, rampart.version, rampart.engine()?.mode, verdict.isBlock);
