// The founding story, as a graph: the Czech government attributes an espionage campaign against its
// Ministry of Foreign Affairs to APT31, a group publicly linked to China's Ministry of State Security;
// the EU and NATO condemn it. Source: the news article in shared/seed/czech-apt31-article.txt.
//
// Provenance: every claim (edge) carries `source`. Claims taken from the article say
// source: "czech-apt31-article"; the few facts the article assumes but does not state (who is a member
// of what) say source: "background", so that a query can tell them apart. The attribution was
// announced on Wednesday 2025-05-28; `confidence` is given where the article's wording implies one.
//
// Load it with:  cargo run --release -- graphs/czech-apt31.cypher

CREATE
  // --- States -------------------------------------------------------------------------------------
  (cz:Country {name: "Czech Republic", capital: "Prague"}),
  (cn:Country {name: "China", official_name: "People's Republic of China"}),

  // --- The actor and its sponsor ------------------------------------------------------------------
  (apt31:ThreatActor {name: "APT31", aliases: ["ZIRCONIUM", "Violet Typhoon", "Judgment Panda"],
                      motivation: "espionage"}),
  (mss:Organization {name: "Ministry of State Security", country: "China", kind: "intelligence service"}),

  // --- The campaign and what it hit ---------------------------------------------------------------
  (campaign:Campaign {name: "Foreign Ministry espionage campaign", started: date('2022'),
                      description: "Compromise of an unclassified communication network of the Czech Ministry of Foreign Affairs; internal communications were compromised, no classified information.",
                      objective: "Asia-focused files"}),
  (mfa:Organization {name: "Czech Ministry of Foreign Affairs", country: "Czech Republic", kind: "ministry"}),
  (network:Infrastructure {name: "Unclassified communication network", classified: false,
                           note: "outdated system, to be replaced by a more secure one"}),
  (cii:Organization {name: "Critical infrastructure institution", country: "Czech Republic",
                     note: "not named in the article"}),

  // --- Czech state bodies -------------------------------------------------------------------------
  (gov:Organization {name: "Czech Government", country: "Czech Republic", kind: "government"}),
  (bis:Organization {name: "Security Information Service", abbreviation: "BIS", country: "Czech Republic",
                     kind: "intelligence service"}),
  (vz:Organization {name: "Military Intelligence", abbreviation: "VZ", country: "Czech Republic",
                    kind: "intelligence service"}),
  (uzsi:Organization {name: "Office for Foreign Relations and Information", abbreviation: "ÚZSI",
                      country: "Czech Republic", kind: "intelligence service"}),
  (nukib:Organization {name: "National Cyber and Information Security Agency", abbreviation: "NÚKIB",
                       country: "Czech Republic", kind: "cyber security agency"}),

  // --- People -------------------------------------------------------------------------------------
  (lipavsky:Person {name: "Jan Lipavský", role: "Minister of Foreign Affairs"}),
  (ambassador:Person {name: "Chinese Ambassador to Prague", role: "ambassador"}),

  // --- International bodies -----------------------------------------------------------------------
  (eu:Organization {name: "European Union", abbreviation: "EU", kind: "international organization"}),
  (nato:Organization {name: "NATO", kind: "international organization"}),

  // --- Attribution --------------------------------------------------------------------------------
  (campaign)-[:`attributed-to` {source: "czech-apt31-article", date: date('2025-05-28'), confidence: "high",
                                claimed_by: "Czech Government",
                                basis: "investigation by BIS, VZ, ÚZSI and NÚKIB"}]->(apt31),
  (apt31)-[:`linked-to` {source: "czech-apt31-article", confidence: "medium",
                         note: "publicly linked"}]->(mss),
  (gov)-[:accused {source: "czech-apt31-article", date: date('2025-05-28'),
                   claim: "responsible for the campaign against the Foreign Ministry"}]->(cn),

  // --- What the campaign targeted -----------------------------------------------------------------
  (campaign)-[:targeted {source: "czech-apt31-article", since: date('2022')}]->(mfa),
  (campaign)-[:targeted {source: "czech-apt31-article", since: date('2022')}]->(network),
  (campaign)-[:targeted {source: "czech-apt31-article"}]->(cii),

  // --- Who investigated it ------------------------------------------------------------------------
  (campaign)-[:`investigated-by` {source: "czech-apt31-article"}]->(bis),
  (campaign)-[:`investigated-by` {source: "czech-apt31-article"}]->(vz),
  (campaign)-[:`investigated-by` {source: "czech-apt31-article"}]->(uzsi),
  (campaign)-[:`investigated-by` {source: "czech-apt31-article"}]->(nukib),

  // --- Who condemned it ---------------------------------------------------------------------------
  (campaign)-[:`condemned-by` {source: "czech-apt31-article", date: date('2025-05-28'),
                               statement: "despicable attack; erodes trust in China"}]->(gov),
  (campaign)-[:`condemned-by` {source: "czech-apt31-article", date: date('2025-05-28'),
                               statement: "strongly condemns the despicable attack"}]->(lipavsky),
  (campaign)-[:`condemned-by` {source: "czech-apt31-article",
                               statement: "asks China to respect international norms in cyberspace"}]->(eu),
  (campaign)-[:`condemned-by` {source: "czech-apt31-article",
                               statement: "warns of worsening malicious cyber activity originating in China"}]->(nato),

  // --- Diplomatic response ------------------------------------------------------------------------
  (lipavsky)-[:summoned {source: "czech-apt31-article", date: date('2025-05-28'),
                         purpose: "to convey the Czech Republic's disapproval"}]->(ambassador),
  (ambassador)-[:represents {source: "czech-apt31-article"}]->(cn),
  (eu)-[:`solidarity-with` {source: "czech-apt31-article"}]->(cz),
  (nato)-[:`solidarity-with` {source: "czech-apt31-article"}]->(cz),

  // --- Structure: who belongs to whom -------------------------------------------------------------
  (mss)-[:`part-of` {source: "czech-apt31-article"}]->(cn),
  (gov)-[:`part-of` {source: "background"}]->(cz),
  (mfa)-[:`part-of` {source: "background"}]->(gov),
  (bis)-[:`part-of` {source: "background"}]->(gov),
  (vz)-[:`part-of` {source: "background"}]->(gov),
  (uzsi)-[:`part-of` {source: "background"}]->(gov),
  (nukib)-[:`part-of` {source: "background"}]->(gov),
  (network)-[:`part-of` {source: "czech-apt31-article"}]->(mfa),
  (cii)-[:`part-of` {source: "background"}]->(cz),
  (lipavsky)-[:`member-of` {source: "background", role: "Minister of Foreign Affairs"}]->(gov),
  (cz)-[:`member-of` {source: "background"}]->(eu),
  (cz)-[:`member-of` {source: "background"}]->(nato);
