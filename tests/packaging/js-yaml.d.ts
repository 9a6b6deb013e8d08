// js-yaml is the YAML reader electron-builder itself uses (a dependency of app-builder-lib); it ships no types.
declare module 'js-yaml' {
  export function load(text: string): unknown;
  const yaml: { load: typeof load };
  export default yaml;
}
