// English templates of what the CLI itself says (usage errors, headings of its human output), by
// message id. The Korean is in l10n/cli.ko.json, with the same ids and placeholders (test/unit/messages.test.ts).
import type { Catalogue } from '../message';

export const CLI_MESSAGES = {
  'cli.unknownCommand': "unknown command '{command}'",
  'cli.missingCommand': "missing command",
  'cli.saveNeedsFile': "--save needs a file, as in --save run.npz",
  'cli.saveRunCheck': "--save is for run and check",
  'cli.unknownOption': "unknown option '{option}'",
  'cli.customTimeout': "--custom-timeout needs a number of seconds above 0, as in --custom-timeout=30",
  'cli.missingSpec': "missing SPEC file",
  'cli.oneSpec': "expected one SPEC file, got {count}",
  'cli.langNeedsValue': "--lang needs a language, en or ko, as in --lang ko",
  'cli.unknownLang': "unknown language '{lang}' for --lang: use en or ko",
  'cli.cannotRead': "backprop: cannot read {file}: {error}",
  'cli.cannotWrite': "backprop: cannot write {file}: {error}",
  'cli.runFailed': "backprop: the run failed: {error}",
  'cli.notUtf8': "the spec is UTF-16 (or UTF-32) text, not UTF-8: save the spec as UTF-8",
  'cli.noTrainSection': "no train: section to run; add e.g. train: { iterations: 1000, batch: 100, optimizer: sgd }",
  'cli.saved': "saved {count} tensors to {file}",
  'cli.findings': "findings",
  'cli.gradientCheck': "gradient check (backprop vs central differences)",
  'cli.outOfMemory': "out of memory",
  'cli.threadEnded': "the engine's thread ended (exit code {code})",
  'cli.overrun': "{call} did not return within {seconds} s; stopped (--custom-timeout=SECONDS to wait longer)",
  'cli.usage': "usage: backprop --version\n       backprop run SPEC [--json] [--full] [--save FILE.npz] [--confine] [--custom-timeout=SECONDS] [--lang en|ko]\n       backprop check SPEC [--json] [--full] [--save FILE.npz] [--confine] [--custom-timeout=SECONDS] [--lang en|ko]\n       backprop train SPEC [--json] [--confine] [--custom-timeout=SECONDS] [--lang en|ko]\n       backprop diff A.npz B.npz [--rtol R] [--atol A]\n\n  run     forward and backward pass; prints one row per layer\n  check   the same, plus a numerical gradient check of every parameter and every layer's dx\n  train   the spec's train: section; prints one row per evaluation\n  --json  one JSON report on stdout (see README); for train, one JSON line per evaluation, then a summary line\n  --full  with --json, add every tensor as nested arrays (run and check)\n  --save  write every tensor of the run (activations, masks, dout, dx, params, grads) to an .npz numpy loads,\n          with a run.json entry (spec, seed, shapes, loss)\n  diff    compare two saved runs tensor by tensor (backprop diff --help)\n  --confine\n          read only data files whose real path (symlinks followed) is inside the spec's folder\n  --custom-timeout=SECONDS\n          stop when one call into a custom layer's code runs longer (default {seconds})\n  --lang en|ko\n          the language of messages (default: from LC_ALL, LC_MESSAGES or LANG; ko_KR.UTF-8 is Korean);\n          --json stays English\n\nexit status: 0 fine, 1 gradient check failed, loss not finite or training hit a NaN/Inf, 2 spec errors or bad usage,\n3 the run failed (a custom layer's code failed or did not return in time, or out of memory, say)",
} satisfies Catalogue;
