// ESM entry: `import 'rampart'` (first import of the entry module) protects the process;
// the named exports are the same as the CommonJS ones.
import { createRequire } from 'node:module';

const rampart = createRequire(import.meta.url)('./index.js');

export default rampart;
export const {
  Engine,
  Request,
  Verdict,
  RampartError,
  InvalidPolicyError,
  PolicyIoError,
  InvalidArgumentError,
  InternalError,
  RampartBlockedError,
  start,
  stop,
  configure,
  engine,
  checkSql,
  checkShell,
  checkExec,
  checkNosql,
  checkPath,
  checkUrl,
  checkRedirect,
  checkHeader,
  inRequest,
  version,
} = rampart;
