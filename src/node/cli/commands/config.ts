/**
 * `coconut config check FILE [--json]`: validate a config and print it with every default filled in,
 * or every problem; warnings (allowed, but probably not meant) are printed either way and do not fail.
 */
import type { Command } from 'commander';
import type { Issue } from '../../../common/api.js';
import { checkConfig, readConfigFile } from '../../runs/configText.js';
import { CliError, printJson } from '../output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('run configurations');
  config
    .command('check')
    .argument('<file>', 'config (YAML)')
    .description('validate a config; print the resolved config or every problem')
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) => {
      let text: string;
      try {
        // As the engine reads it: UTF-8 only, within the size limit.
        text = readConfigFile(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(code ? `cannot read ${file}: ${code}` : (error as Error).message);
      }
      const { config: _config, ...check } = checkConfig(text, process.cwd());
      const where = (issue: Issue): string => `${file}: ${issue.path ? `config key '${issue.path}': ` : ''}${issue.message}`;
      if (options.json) {
        printJson(check);
      } else {
        // Warnings go to stderr so that stdout stays the resolved config, usable as a file.
        for (const warning of check.warnings) console.error(`warning: ${where(warning)}`);
        if (check.ok) process.stdout.write(check.resolved_yaml ?? '');
        else for (const issue of check.issues) console.error(where(issue));
      }
      if (!check.ok) process.exitCode = 1;
    });
}
