// "Backprop: New Spec": a few starting points, written into the workspace and opened.
import * as vscode from 'vscode';

/** A template a user can start from. */
interface Template {
  /** Quick-pick label. */
  label: string;
  /** One line on what it is. */
  detail: string;
  /** Suggested file name. */
  file: string;
  /** The spec. */
  text: string;
}

/** The book's class name, the same in every language. */
const TWO_LAYER_NET = 'TwoLayerNet';

/** The templates, their labels and details in the display language (the specs stay as they are). */
const templates = (): readonly Template[] => [
  {
    label: vscode.l10n.t('Computational graph'),
    detail: vscode.l10n.t("The book's shop: forward values and backward gradients of a scalar graph"),
    file: 'shop.backprop.yaml',
    text: `# A scalar computational graph: each node applies an op to named inputs or nodes.
name: shop
graph:
  inputs: { apple: 100, apple_num: 2, orange: 150, orange_num: 3, tax: 1.1 }
  nodes:
    - { name: apple_price,  op: mul, in: [apple, apple_num] }
    - { name: orange_price, op: mul, in: [orange, orange_num] }
    - { name: all_price,    op: add, in: [apple_price, orange_price] }
    - { name: price,        op: mul, in: [all_price, tax] }
  output: price
`,
  },
  {
    label: TWO_LAYER_NET,
    detail: vscode.l10n.t("The book's 784-50-10 network on MNIST digits, ready for a gradient check"),
    file: 'two-layer-net.backprop.yaml',
    text: `# The book's TwoLayerNet: Affine → ReLU → Affine → SoftmaxWithLoss on MNIST digits.
name: two-layer-net
seed: 42
input: { dataset: mnist, split: train, count: 3 }
target: { dataset: mnist }
layers:
  - { type: affine, units: 50, init: { std: 0.01 } }
  - relu
  - { type: affine, units: 10, init: { std: 0.01 } }
loss: softmax-with-loss
`,
  },
  {
    label: vscode.l10n.t('Deep MLP'),
    detail: vscode.l10n.t('Five ReLU layers with He init on random data: watch the gradient flow'),
    file: 'deep-mlp.backprop.yaml',
    text: `# A deep ReLU stack. Try init: { std: 0.01 } to watch gradients vanish, or std: 1 to watch them explode.
name: deep-mlp
seed: 1
input: { random: { shape: [64, 100], dist: normal } }
target: { random: { shape: [64] } }
layers:
  - { type: affine, units: 100, init: he }
  - relu
  - { type: affine, units: 100, init: he }
  - relu
  - { type: affine, units: 100, init: he }
  - relu
  - { type: affine, units: 100, init: he }
  - relu
  - { type: affine, units: 100, init: he }
  - relu
  - { type: affine, units: 10, init: he }
loss: softmax-with-loss
`,
  },
];

/** Asks for a template and a file name, writes the spec into the workspace and opens it. */
export async function newSpec(): Promise<vscode.Uri | undefined> {
  const template = await vscode.window.showQuickPick(templates(), { title: vscode.l10n.t('New Backprop spec'), placeHolder: vscode.l10n.t('Start from…') });
  if (!template) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: template.text });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: save it as a .backprop.yaml file to run it.'));
    return doc.uri;
  }
  const exists = (file: string) => vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, file)).then(
    () => true,
    () => false,
  );
  const proposed = await freeName(template.file, exists);
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('New Backprop spec'),
    prompt: vscode.l10n.t('File name in {0}', folder.path.split('/').pop() ?? ''),
    value: proposed,
    valueSelection: [0, proposed.indexOf('.backprop')],
    // Stays open through a click elsewhere, or a webview taking the focus as it loads: closing would
    // lose the template chosen a step before. Escape still cancels.
    ignoreFocusOut: true,
    // A taken name is refused here, so the template chosen is not lost to an error afterwards.
    validateInput: async (v) => {
      if (!/^[\w.\-/ ]+\.backprop\.(ya?ml|json)$/i.test(v) || v.includes('..')) return vscode.l10n.t('Use a name ending in .backprop.yaml, .backprop.yml or .backprop.json');
      return (await exists(v)) ? vscode.l10n.t('{0} already exists; choose another name', v) : null;
    },
  });
  if (!name) return undefined;
  const uri = vscode.Uri.joinPath(folder, name);
  // Written between the check and Enter by someone else: still never overwritten.
  if (await exists(name)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: {0} already exists; nothing was overwritten.', name));
    return undefined;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(template.text));
  await vscode.window.showTextDocument(uri);
  return uri;
}

/** `file`, or the first of file-2, file-3, … (before `.backprop.`) that does not exist yet. */
async function freeName(file: string, exists: (file: string) => PromiseLike<boolean>): Promise<string> {
  const at = file.indexOf('.backprop.');
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? file : `${file.slice(0, at)}-${n}${file.slice(at)}`;
    if (!(await exists(candidate))) return candidate;
  }
  return file;
}
