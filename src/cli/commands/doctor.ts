/** `tartan doctor`: what this installation can do (native kernels, ONNX runtime, paths). */
import { Command } from 'commander';
import { cpus } from 'node:os';
import { printJson } from '../output.js';
import { version } from '../version.js';
import { sharedDir } from '../../paths.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show what this installation can use: version, CPU, node, shared fixtures folder')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const info = { version, node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, shared: sharedDir() };
      if (opts.json) printJson(info);
      else for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(10)} ${v}`);
    });
}
