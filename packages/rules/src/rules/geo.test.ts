import { geohash } from '@vigil/classify';
import { distanceMeters, neighbourClusters } from './geo';

test('a g: cluster has 8 distinct neighbours of the same precision; a building key has none', () => {
  const home = `g:${geohash(30.25, 120.15, 7)}`;
  const n = neighbourClusters(home);
  expect(n).toHaveLength(8);
  expect(new Set(n).size).toBe(8);
  for (const k of n) expect(k).toMatch(/^g:[0-9a-z]{7}$/);
  expect(n).not.toContain(home);
  expect(neighbourClusters('b:abcdef')).toEqual([]);
});

test('two points 40 m apart on either side of a cell edge: neighbours, and about 40 m apart', () => {
  const a = geohash(30.25, 120.15, 7);
  const b = geohash(30.25, 120.15 + 0.0004, 7);
  const lonEdge = [...Array(200).keys()]
    .map((i) => 120.15 + i * 0.00001)
    .find((lon) => geohash(30.25, lon, 7) !== a);
  expect(lonEdge).toBeDefined();
  const left = geohash(30.25, lonEdge! - 0.0002, 7);
  const right = geohash(30.25, lonEdge! + 0.0002, 7);
  expect(left).not.toBe(right);
  expect(neighbourClusters(`g:${left}`)).toContain(`g:${right}`);
  const d = distanceMeters(geohash(30.25, lonEdge! - 0.0002, 8), geohash(30.25, lonEdge! + 0.0002, 8));
  expect(d).toBeGreaterThan(10);
  expect(d).toBeLessThan(80);
  expect(b).toBeDefined();
});
