MATCH (n:Organization) SET n += {checked: true} RETURN n.name // comment
/* block */