import { build } from "esbuild";
const entry = process.argv[2];
const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "neutral", conditions: ["browser"], outfile: "/tmp/ts/one.js", metafile: true, logLevel: "error",
 plugins:[{name:"x",setup(b){b.onResolve({filter:/.*/},a=>a.kind==="dynamic-import"?({path:a.path,external:true}):undefined)}}] });
const o=Object.values(r.metafile.outputs)[0];
const rows=Object.entries(o.inputs).map(([i,x])=>[x.bytesInOutput,i]).sort((a,b)=>b[0]-a[0]); let t=0; for(const [b,i] of rows){t+=b; console.log((b/1024).toFixed(1).padStart(6),i)} console.log("total",(t/1024).toFixed(1), (o.bytes/1024).toFixed(1));
