// name: shared-payment-accounts
// description: Payment accounts that shops on several platforms are paid through
//   (directly, or through the seller operating them).
// tags: links, payment, cross-platform
// param: min_platforms int 2..50 = 2 -- Fewest distinct platforms sharing the account
// param: include_hubs bool = false -- Also list accounts marked as hubs (aggregators)
// example: -p min_platforms=3
// sort-lists: platforms, shops
MATCH (a:PaymentAccount)<-[:PAID_VIA]-(x)
WHERE $include_hubs OR NOT coalesce(a.hub, false)
// cheap pre-filter: N platforms need N users, unless a seller (with many shops) is one
WITH a, count(x) AS users, sum(CASE WHEN labels(x)[0] = 'Seller' THEN 1 ELSE 0 END) AS sellers
WHERE users >= $min_platforms OR sellers > 0
MATCH (a)<-[:PAID_VIA]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH a, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform
WHERE platform IS NOT NULL
WITH a, count(DISTINCT platform) AS n_platforms, collect(DISTINCT platform) AS platforms,
     collect(DISTINCT shop) AS shops
WHERE n_platforms >= $min_platforms
RETURN a.key AS account, a.provider AS provider, n_platforms AS n_platforms,
       size(shops) AS n_shops, platforms AS platforms, shops AS shops
ORDER BY n_platforms DESC, n_shops DESC, account
