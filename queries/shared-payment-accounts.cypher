// name: shared-payment-accounts
// description: Payment accounts that shops on several platforms are paid through
//   (directly, or through the seller operating them).
// tags: links, payment, cross-platform
// param: min_platforms int 2..50 = 2 -- Fewest distinct platforms sharing the account
// param: include_hubs bool = false -- Also list accounts marked as hubs (aggregators)
// example: -p min_platforms=3
// sort-lists: platforms, shops
MATCH (a:PaymentAccount)<-[:PAID_VIA]-(x)-[:OPERATES*0..1]->(s:Shop)
WHERE $include_hubs OR NOT coalesce(a.hub, false)
WITH a, count(DISTINCT s.platform) AS n_platforms,
     collect(DISTINCT s.platform) AS platforms, collect(DISTINCT s.key) AS shops
WHERE n_platforms >= $min_platforms
RETURN a.key AS account, a.provider AS provider, n_platforms AS n_platforms,
       size(shops) AS n_shops, platforms AS platforms, shops AS shops
ORDER BY n_platforms DESC, n_shops DESC, account
