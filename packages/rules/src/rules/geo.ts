import { geohash, geohashBounds } from '@vigil/classify';

// Geohash helpers for address clusters (`g:<geohash>` keys of @vigil/classify's addressClusterKey).

const center = (hash: string) => {
  const b = geohashBounds(hash);
  return {
    lat: (b.latMin + b.latMax) / 2,
    lon: (b.lonMin + b.lonMax) / 2,
    h: b.latMax - b.latMin,
    w: b.lonMax - b.lonMin,
  };
};

/** The 8 cells around a `g:` cluster key (none for other keys, e.g. building fingerprints). */
export function neighbourClusters(cluster: string): string[] {
  if (!cluster.startsWith('g:')) return [];
  const hash = cluster.slice(2);
  const c = center(hash);
  const out: string[] = [];
  for (const dy of [-1, 0, 1]) {
    for (const dx of [-1, 0, 1]) {
      if (dx === 0 && dy === 0) continue;
      const lat = c.lat + dy * c.h;
      const lon = c.lon + dx * c.w;
      if (lat < -90 || lat > 90) continue;
      const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180;
      out.push(`g:${geohash(lat, wrapped, hash.length)}`);
    }
  }
  return [...new Set(out)].filter((k) => k !== cluster);
}

/** Great-circle distance between the centres of two geohash cells, metres. */
export function distanceMeters(a: string, b: string): number {
  const p = center(a);
  const q = center(b);
  const rad = Math.PI / 180;
  const dLat = (q.lat - p.lat) * rad;
  const dLon = (q.lon - p.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(p.lat * rad) * Math.cos(q.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}
