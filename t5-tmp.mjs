const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const out = [];
for (const m of process.argv.slice(2)) { const t = cpu(); await import(m); out.push(`${m}=${(cpu() - t).toFixed(0)}`); }
console.log(out.join(' '));
