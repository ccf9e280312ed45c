import ReactTestRenderer, { act, type ReactTestInstance, type ReactTestRenderer as Renderer } from 'react-test-renderer';

/** Lets the tracker's Promises and the state updates they cause settle. */
export async function settle(): Promise<void> {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

export async function render(element: React.ReactElement): Promise<Renderer> {
  let renderer: Renderer | undefined;
  await act(async () => {
    renderer = ReactTestRenderer.create(element);
  });
  await settle();
  return renderer!;
}

/** The outermost element with this testID (for a Pressable: the one with `onPress`). */
export function byTestId(renderer: Renderer, testID: string): ReactTestInstance {
  const found = renderer.root.findAll(node => node.props.testID === testID, { deep: true });
  if (found.length === 0) throw new Error(`no element with testID ${testID}`);
  return found[0];
}

export function textOf(renderer: Renderer, testID: string): string {
  const node = byTestId(renderer, testID);
  const texts: string[] = [];
  const walk = (n: ReactTestInstance | string) => {
    if (typeof n === 'string') texts.push(n);
    else n.children.forEach(walk);
  };
  walk(node);
  return texts.join('');
}

export async function press(renderer: Renderer, testID: string): Promise<void> {
  await act(async () => {
    byTestId(renderer, testID).props.onPress();
  });
  await settle();
}
