/**
 * vigil's entry point: parse flags, hand off to one command module. No logic lives here.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, USAGE } from './args.js';

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  if (opts instanceof Error) {
    process.stderr.write(`vigil: ${opts.message}\n${USAGE}`);
    return 1;
  }
  switch (opts.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version': {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
      process.stdout.write(`vigil ${pkg.version}\n`);
      return 0;
    }
    case 'sniff':
      return (await import('./sniff.js')).runSniff(opts.argv);
    case 'demo':
      return (await import('../demo/demo.js')).runDemo();
    case 'status':
      return (await import('./status.js')).runStatus(opts.argv);
    case 'genhash':
      return (await import('./genhash.js')).runGenhash(opts.argv);
    case 'lvs':
      return (await import('./lvs.js')).runLvs(opts.argv);
    case 'daemon':
      if (opts.configTest) return (await import('./config-test.js')).runConfigTest(opts);
      if (!opts.foreground) return (await import('../daemon/detach.js')).detach(process.argv.slice(2));
      return (await import('../daemon/daemon.js')).runDaemon(opts);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `vigil: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
