/**
 * The console's one HTML page: a shell with the styles; the pages themselves are drawn by the
 * browser modules under `/ui/` (engine/console/web, compiled by its own tsconfig in `npm run build`).
 */

const STYLES = `
:root { --fg: #1d2330; --muted: #667085; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --accent: #2f6fde; --bad: #c0392b; --ok: #1e8a4c; --warn: #b7791f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2330; color: #fff; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; font-size: 16px; }
header nav { display: flex; gap: 14px; flex: 1; }
header .token { display: flex; gap: 6px; align-items: center; font-size: 12px; }
header input { width: 180px; }
main { padding: 16px 20px 40px; max-width: 1280px; margin: 0 auto; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 14px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e8eefc; color: var(--accent); }
.state.failed, .state.crash-loop { background: #fbe9e7; color: var(--bad); }
.state.finished, .state.stopped, .state.cancelled { background: #eef0f3; color: var(--muted); }
.muted { color: var(--muted); }
.error { color: var(--bad); background: #fbe9e7; border: 1px solid #f3c1ba; padding: 8px 10px; border-radius: 4px; margin: 8px 0; }
.notice { color: var(--ok); background: #e7f6ed; border: 1px solid #b8e2c8; padding: 8px 10px; border-radius: 4px; margin: 8px 0; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0 12px; }
button { font: inherit; padding: 5px 12px; border: 1px solid #c5cbd6; border-radius: 4px; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); border-color: #e0a59e; }
input, select, textarea { font: inherit; padding: 4px 6px; border: 1px solid #c5cbd6; border-radius: 4px; }
form.fields { display: grid; grid-template-columns: 220px 1fr; gap: 8px 12px; align-items: center; max-width: 760px; }
form.fields input[type=checkbox] { justify-self: start; }
form.fields .hint { grid-column: 2; color: var(--muted); font-size: 12px; margin-top: -6px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg .axis { stroke: var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
.ranking h2 .window { font-weight: 400; color: var(--muted); font-size: 12px; margin-left: 8px; }
.flash { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: #fff6d6; } to { background: var(--card); } }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; font-size: 12px; }
`;

/**
 * @example
 * res.end(consolePage());
 */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eddy console</title>
<link rel="icon" href="data:,">
<style>${STYLES}</style>
</head>
<body>
<header>
  <a class="brand" href="#/">Eddy</a>
  <nav id="nav"></nav>
  <label class="token">API token <input id="token" type="password" autocomplete="off" placeholder="read-only without it"></label>
</header>
<main id="app"><p class="muted">Loading…</p></main>
<script type="module" src="/ui/main.js"></script>
</body>
</html>
`;
}
