// name: cluster-members
// description: One cluster's shops and sellers with the links that tie them together
//   (shared identifiers, operators) and the evidence records behind each link.
// tags: clusters, evidence, explain
// param: cluster str -- Cluster id, e.g. G-0001
// example: -p cluster=G-0001
MATCH (m:Shop|Seller)
WHERE m.cluster_id = $cluster
MATCH (m)-[r]-(x)
WHERE x.cluster_id = $cluster
   OR EXISTS { MATCH (x)--(o:Shop|Seller) WHERE o.cluster_id = $cluster AND o.key <> m.key }
RETURN labels(m)[0] AS kind, m.key AS member, coalesce(m.name, m.display) AS name,
       m.platform AS platform, m.country AS country, coalesce(m.flagged, false) AS flagged,
       type(r) AS link, labels(x)[0] + ':' + x.key AS other,
       coalesce(r.ev_count, 0) AS evidence_count, coalesce(r.ev, []) AS evidence
ORDER BY kind, member, link, other
