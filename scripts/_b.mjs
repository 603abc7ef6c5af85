import { build } from "esbuild";
const entry = process.argv[2];
const r = await build({ entryPoints: [entry], bundle: true, minify: true, splitting:true, format: "esm", platform: "neutral", conditions: ["browser"], outdir: "/tmp/ts/out2", metafile: true, logLevel: "error" });
const o=r.metafile.outputs; const e=Object.keys(o).find(k=>o[k].entryPoint && entry.endsWith(o[k].entryPoint.replace(/^(\.\.\/)+/,"")));
const eager=new Set(); const v=k=>{if(eager.has(k))return; eager.add(k); for(const i of o[k].imports) if(i.kind==="import-statement"&&o[i.path]) v(i.path)}; v(e);
const rows=[]; for(const k of eager) for(const [i,x] of Object.entries(o[k].inputs)) rows.push([x.bytesInOutput,i]);
rows.sort((a,b)=>b[0]-a[0]); let t=0; for(const [b,i] of rows){t+=b; console.log((b/1024).toFixed(1).padStart(6),i)} console.log("total",(t/1024).toFixed(1), ([...eager].reduce((s,k)=>s+o[k].bytes,0)/1024).toFixed(1));
