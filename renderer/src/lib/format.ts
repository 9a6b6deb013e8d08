export const fmtDuration = (s: number | null | undefined): string => {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60),
    sec = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
};
export const fmtTime = (s: number): string => `${fmtDuration(s)}${s < 60 ? `.${String(Math.floor((s % 1) * 10))}` : ''}`;
export const fmtBytes = (b: number): string => {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
};
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(0)}%`);
export const fmtEta = (s: number | null): string =>
  s === null ? 'estimating…' : s < 60 ? `${s}s left` : `${Math.floor(s / 60)}m ${s % 60}s left`;

export function download(filename: string, mime: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
/** FLOPs with an SI prefix: 1.2 GFLOPs, 640 MFLOPs. */
export const fmtFlops = (f: number | null | undefined): string => {
  if (f === null || f === undefined || !Number.isFinite(f)) return '–';
  if (f === 0) return '0';
  const u: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [d, p] = u.find(([x]) => f >= x) ?? [1, ''];
  return `${(f / d).toFixed(f / d >= 100 ? 0 : 1)} ${p}FLOPs`;
};
