// The comparison the issue measures kdrift against: the same desired files and live
// `kind: List` snapshots read with js-yaml, paired by kind, namespace and name, and each pair
// diffed with jsondiffpatch (list items matched by name, else by container port, else by
// position: close to how kdrift matches containers, env vars and ports). Prints how many
// pairs were compared and how many differ.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import * as jsondiffpatch from 'jsondiffpatch';

const [desiredDir, liveDir] = process.argv.slice(2);

function objects(dir) {
  const found = [];
  for (const file of fs.readdirSync(dir).sort()) {
    for (const document of yaml.loadAll(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (!document) continue;
      if (document.kind === 'List') found.push(...document.items);
      else found.push(document);
    }
  }
  return found;
}

const key = (object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
const differ = jsondiffpatch.create({
  objectHash: (item, index) => item?.name ?? item?.containerPort ?? `$$index:${index}`,
});
const desired = new Map(objects(desiredDir).map((object) => [key(object), object]));
let compared = 0;
let differing = 0;
for (const live of objects(liveDir)) {
  const twin = desired.get(key(live));
  if (!twin) continue;
  compared += 1;
  if (differ.diff(twin, live)) differing += 1;
}
console.log(JSON.stringify({ compared, differing }));
