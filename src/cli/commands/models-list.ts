/** `tartan models list`: the models tartan knows, with kind, dimension, licence, size and whether they run here. */
import type { Command } from 'commander';
import { listModels } from '../../models/registry.js';
import type { ModelKind } from '../../models/types.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { commandGroup, formatTable, printJson } from '../output.js';

const KINDS: readonly ModelKind[] = ['colbert', 'dense', 'cross-encoder'];

function humanSize(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

export function register(program: Command): void {
  commandGroup(program, 'models', 'list, pull and build models')
    .command('list')
    .description('list the known models: id, kind, dimension, licence, approximate size, default of its kind, supported or why not')
    .option('--kind <kind>', `only models of this kind (${KINDS.join(', ')})`)
    .option('--json', 'print an array of {"id", "kind", "dim", "license", "sizeBytes", "default", "supported", "unsupported"?, "description", "files"} as JSON')
    .action((opts: { kind?: string; json?: boolean }) => {
      if (opts.kind !== undefined && !KINDS.includes(opts.kind as ModelKind)) {
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `unknown kind '${opts.kind}'; use one of ${KINDS.join(', ')}.`);
      }
      const models = listModels(opts.kind as ModelKind | undefined);
      if (opts.json) {
        printJson(
          models.map((m) => ({
            id: m.id,
            kind: m.kind,
            dim: m.dim,
            license: m.license,
            sizeBytes: m.sizeBytes,
            default: m.isDefault === true,
            supported: m.unsupported === undefined,
            ...(m.unsupported ? { unsupported: m.unsupported } : {}),
            description: m.description,
            files: m.files,
          })),
        );
        return;
      }
      const rows = models.map((m) => [
        m.id,
        m.kind,
        m.dim,
        m.license,
        humanSize(m.sizeBytes),
        m.isDefault ? 'yes' : '',
        m.unsupported ? `no: ${m.unsupported}` : 'yes',
      ]);
      console.log(formatTable(['id', 'kind', 'dim', 'licence', 'size', 'default', 'supported'], rows));
    });
}
