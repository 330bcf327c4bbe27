-- The whole computation of one period mode by hand (PostgreSQL), for bench_indicators.py: the nine
-- indicators at every scope, the distributions of the F2 region row, and the snapshot rows written
-- into monitoring_indicatorsnapshot under the period %(period)s. The bench runs it twice (cumulative
-- and for the period alone) inside one transaction, after deleting that period's snapshots, and checks
-- that it stores the same figures as the portal's computation.
--
-- Parameters: region, period, run, year, start_ts (NULL = cumulative) and end_ts (exclusive),
-- start_day/end_day (the window in dates), ystart_day (year window start), cumulative, now.

DROP TABLE IF EXISTS hs_muni, hs_then, hs_iom, hs_diag, hs_ref, hs_rows, hs_counts, hs_dist;

CREATE TEMP TABLE hs_muni AS SELECT id FROM cnppm_municipality WHERE region_id = %(region)s;

-- A route's status at the window end (monitoring.indicators.status_at): the routes of the region with
-- a status change at or after the end get the status of their latest change before it (or, with none
-- before, the status their first later change started from); every other route has its current status.
CREATE TEMP TABLE hs_then AS
SELECT DISTINCT ON (e.route_id) e.route_id,
       COALESCE((SELECT b.to_status FROM routes_routeevent b WHERE b.route_id = e.route_id AND b.at < %(end_ts)s
                 ORDER BY b.at DESC, b.id DESC LIMIT 1), NULLIF(e.from_status, '')) AS status
FROM routes_routeevent e
JOIN routes_route r ON r.id = e.route_id
JOIN cnppm_organization o ON o.id = r.organization_id
JOIN hs_muni m ON m.id = o.municipality_id
WHERE e.at >= %(end_ts)s
ORDER BY e.route_id, e.at, e.id;

CREATE TEMP TABLE hs_iom AS
SELECT r.id, r.teacher_id, r.organization_id, o.municipality_id
FROM routes_route r
JOIN cnppm_organization o ON o.id = r.organization_id
JOIN cnppm_municipality m ON m.id = o.municipality_id
JOIN cnppm_person p ON p.id = r.teacher_id
LEFT JOIN hs_then t ON t.route_id = r.id
WHERE m.region_id = %(region)s AND p.consent_withdrawn_at IS NULL AND r.entry_attempt_id IS NOT NULL
  AND CASE WHEN t.route_id IS NULL THEN r.status ELSE t.status END
      IN ('submitted', 'returned', 'approved', 'in_progress', 'completing', 'completed')
  AND r.submitted_at < %(end_ts)s AND (%(start_ts)s::timestamptz IS NULL OR r.submitted_at >= %(start_ts)s);

CREATE TEMP TABLE hs_diag AS
SELECT a.id, a.person_id, a.organization_id, o.municipality_id
FROM diagnostics_attempt a
JOIN diagnostics_instrument i ON i.id = a.instrument_id
JOIN cnppm_organization o ON o.id = a.organization_id
JOIN cnppm_municipality m ON m.id = o.municipality_id
JOIN cnppm_person p ON p.id = a.person_id
WHERE m.region_id = %(region)s AND p.consent_withdrawn_at IS NULL AND a.status = 'final' AND i.kind = 'entry'
  AND COALESCE(a.finalized_at, a.finished_at) < %(end_ts)s
  AND (%(start_ts)s::timestamptz IS NULL OR COALESCE(a.finalized_at, a.finished_at) >= %(start_ts)s);

CREATE TEMP TABLE hs_ref AS
SELECT DISTINCT ON (s.municipality_id) s.municipality_id, s.year, s.teachers_total, s.school_teachers_total,
       CASE WHEN s.schools_total IS NULL AND s.additional_total IS NULL AND s.vocational_total IS NULL THEN NULL
            ELSE COALESCE(s.schools_total, 0) + COALESCE(s.additional_total, 0) + COALESCE(s.vocational_total, 0) END
         AS orgs_total
FROM cnppm_referencestatistic s JOIN hs_muni m ON m.id = s.municipality_id
WHERE s.year <= %(year)s ORDER BY s.municipality_id, s.year DESC;

CREATE TEMP TABLE hs_rows (
    code text, scope text, muni bigint, org bigint, num numeric, den numeric, is_count bool, inputs jsonb
);

-- Shares whose denominator is an official figure: region and municipality rows from per-municipality counts.
CREATE TEMP TABLE hs_counts (code text, muni bigint, n bigint, region_n bigint);

INSERT INTO hs_counts
SELECT 'IOM', municipality_id, COUNT(DISTINCT teacher_id), NULL FROM hs_iom GROUP BY 1, 2
UNION ALL SELECT 'IOM', NULL, NULL, COUNT(DISTINCT teacher_id) FROM hs_iom
UNION ALL SELECT 'DIAG', municipality_id, COUNT(DISTINCT person_id), NULL FROM hs_diag GROUP BY 1, 2
UNION ALL SELECT 'DIAG', NULL, NULL, COUNT(DISTINCT person_id) FROM hs_diag
UNION ALL SELECT 'ORGS', municipality_id, COUNT(DISTINCT organization_id), NULL FROM hs_iom GROUP BY 1, 2
UNION ALL SELECT 'ORGS', NULL, NULL, COUNT(DISTINCT organization_id) FROM hs_iom;

-- Organization facts (mentoring, management teams) of the year, education organizations only.
INSERT INTO hs_counts
SELECT flag, o.municipality_id, COUNT(DISTINCT f.organization_id), NULL
FROM cnppm_organizationyearfact f JOIN cnppm_organization o ON o.id = f.organization_id
JOIN hs_muni m ON m.id = o.municipality_id
CROSS JOIN LATERAL (VALUES ('MENTORING', f.implements_mentoring), ('MGMT_TEAMS', f.management_team_trained)) AS v(flag, on_)
WHERE f.year = %(year)s AND o.kind IN ('school', 'additional', 'vocational') AND v.on_
GROUP BY 1, 2;
INSERT INTO hs_counts SELECT code, NULL, NULL, SUM(n) FROM hs_counts WHERE code IN ('MENTORING', 'MGMT_TEAMS') GROUP BY 1;

-- School teachers who completed a qualification course in the year window.
INSERT INTO hs_counts
WITH trained AS (
    SELECT t.person_id FROM cnppm_stafftraining t
    WHERE t.is_qualification_programme AND t.ends_on <= %(end_day)s AND t.ends_on >= %(ystart_day)s
    UNION
    SELECT r.teacher_id FROM routes_routeactivity a JOIN routes_route r ON r.id = a.route_id
    WHERE a.kind IN ('qualification', 'retraining') AND a.outcome = 'done'
      AND a.ends_on <= %(end_day)s AND a.ends_on >= %(ystart_day)s
), people AS (
    SELECT p.id, o.municipality_id FROM cnppm_person p JOIN cnppm_organization o ON o.id = p.organization_id
    JOIN hs_muni m ON m.id = o.municipality_id
    WHERE o.kind = 'school' AND p.consent_withdrawn_at IS NULL AND p.id IN (SELECT person_id FROM trained)
)
SELECT 'TRAINED', municipality_id, COUNT(*), NULL FROM people GROUP BY 2
UNION ALL SELECT 'TRAINED', NULL, NULL, COUNT(*) FROM people;

INSERT INTO hs_rows
SELECT v.code, 'region', NULL::bigint, NULL::bigint, COALESCE(c.region_n, 0),
       (SELECT SUM(CASE v.den WHEN 'teachers' THEN r.teachers_total WHEN 'orgs' THEN r.orgs_total
                              ELSE r.school_teachers_total END) FROM hs_ref r),
       false, '{}'::jsonb
FROM (VALUES ('IOM_SHARE', 'IOM', 'teachers'), ('ORG_COVERAGE', 'ORGS', 'orgs'), ('MENTORING', 'MENTORING', 'orgs'),
             ('MGMT_TEAMS', 'MGMT_TEAMS', 'orgs'), ('TEACHERS_TRAINED', 'TRAINED', 'school')) AS v(code, counted, den)
LEFT JOIN hs_counts c ON c.code = v.counted AND c.muni IS NULL
UNION ALL
SELECT v.code, 'municipality', m.id, NULL::bigint, COALESCE(c.n, 0),
       CASE v.den WHEN 'teachers' THEN r.teachers_total WHEN 'orgs' THEN r.orgs_total ELSE r.school_teachers_total END,
       false, jsonb_build_object('denominator_year', r.year)
FROM (VALUES ('IOM_SHARE', 'IOM', 'teachers'), ('ORG_COVERAGE', 'ORGS', 'orgs'), ('MENTORING', 'MENTORING', 'orgs'),
             ('MGMT_TEAMS', 'MGMT_TEAMS', 'orgs'), ('TEACHERS_TRAINED', 'TRAINED', 'school')) AS v(code, counted, den)
CROSS JOIN hs_muni m
LEFT JOIN hs_counts c ON c.code = v.counted AND c.muni = m.id
LEFT JOIN hs_ref r ON r.municipality_id = m.id;

-- F2 = B2 / C2 at every scope.
INSERT INTO hs_rows
SELECT 'F2', 'region', NULL::bigint, NULL::bigint, b.region_n, c.region_n, false,
       jsonb_build_object('B2', b.region_n, 'C2', c.region_n)
FROM hs_counts b, hs_counts c WHERE b.code = 'IOM' AND b.muni IS NULL AND c.code = 'DIAG' AND c.muni IS NULL
UNION ALL
SELECT 'F2', 'municipality', m.id, NULL::bigint, COALESCE(b.n, 0), COALESCE(c.n, 0), false,
       jsonb_build_object('B2', COALESCE(b.n, 0), 'C2', COALESCE(c.n, 0))
FROM hs_muni m LEFT JOIN hs_counts b ON b.code = 'IOM' AND b.muni = m.id
LEFT JOIN hs_counts c ON c.code = 'DIAG' AND c.muni = m.id
UNION ALL
SELECT 'F2', 'organization', COALESCE(b.municipality_id, c.municipality_id), COALESCE(b.org, c.org),
       COALESCE(b.n, 0), COALESCE(c.n, 0), false, jsonb_build_object('B2', COALESCE(b.n, 0), 'C2', COALESCE(c.n, 0))
FROM (SELECT organization_id AS org, municipality_id, COUNT(DISTINCT teacher_id) AS n FROM hs_iom GROUP BY 1, 2) b
FULL JOIN (SELECT organization_id AS org, municipality_id, COUNT(DISTINCT person_id) AS n FROM hs_diag GROUP BY 1, 2) c
  ON c.org = b.org;

-- The support pool: region (role holders), municipality (supporters assigned at the period end).
INSERT INTO hs_rows
SELECT 'SUPPORT_POOL', 'region', NULL::bigint, NULL::bigint, COUNT(DISTINCT ra.person_id), NULL::numeric, true,
       jsonb_build_object('tutors', COUNT(DISTINCT ra.person_id) FILTER (WHERE ra.role = 'tutor'),
                          'curators', COUNT(DISTINCT ra.person_id) FILTER (WHERE ra.role = 'curator'))
FROM cnppm_roleassignment ra JOIN cnppm_person p ON p.id = ra.person_id
JOIN cnppm_organization o ON o.id = p.organization_id JOIN hs_muni m ON m.id = o.municipality_id
WHERE ra.role IN ('tutor', 'curator') AND p.consent_withdrawn_at IS NULL AND ra.created_at < %(end_ts)s
UNION ALL
SELECT 'SUPPORT_POOL', 'municipality', m.id, NULL::bigint, COALESCE(s.n, 0), NULL::numeric, true,
       jsonb_build_object('tutors', COALESCE(s.tutors, 0), 'curators', COALESCE(s.curators, 0))
FROM hs_muni m LEFT JOIN (
    SELECT o.municipality_id, COUNT(DISTINCT sa.supporter_id) AS n,
           COUNT(DISTINCT sa.supporter_id) FILTER (WHERE sa.role = 'tutor') AS tutors,
           COUNT(DISTINCT sa.supporter_id) FILTER (WHERE sa.role = 'curator') AS curators
    FROM cnppm_supportassignment sa JOIN cnppm_person p ON p.id = sa.person_id
    JOIN cnppm_person sp ON sp.id = sa.supporter_id
    JOIN cnppm_organization o ON o.id = p.organization_id JOIN hs_muni mm ON mm.id = o.municipality_id
    WHERE sa.role IN ('tutor', 'curator') AND p.consent_withdrawn_at IS NULL AND sp.consent_withdrawn_at IS NULL
      AND sa.started_at < %(end_ts)s AND (sa.ended_at IS NULL OR sa.ended_at >= %(end_ts)s)
    GROUP BY 1
) s ON s.municipality_id = m.id;

-- Centre staff trained by the Federal coordinator; regional events of the year window.
INSERT INTO hs_rows
SELECT 'STAFF_FED_TRAINED', 'region', NULL::bigint, NULL::bigint,
       COUNT(*) FILTER (WHERE p.id IN (SELECT person_id FROM cnppm_stafftraining WHERE by_federal_coordinator
                                        AND ends_on <= %(end_day)s AND (%(start_day)s::date IS NULL OR ends_on >= %(start_day)s))),
       COUNT(*), false, '{}'::jsonb
FROM cnppm_person p JOIN cnppm_organization o ON o.id = p.organization_id JOIN hs_muni m ON m.id = o.municipality_id
WHERE o.kind = 'centre' AND p.consent_withdrawn_at IS NULL
UNION ALL
SELECT 'REGIONAL_EVENTS', 'region', NULL::bigint, NULL::bigint, COUNT(*), NULL::numeric, true,
       jsonb_build_object('events', COALESCE(jsonb_agg(jsonb_build_object('title', e.title, 'held_on', e.held_on)
                                                      ORDER BY e.held_on, e.id), '[]'::jsonb),
                          'participants', COALESCE(SUM(e.participants), 0))
FROM monitoring_regionalevent e
WHERE e.region_id = %(region)s AND e.held_on <= %(end_day)s AND e.held_on >= %(ystart_day)s;

-- Distributions of the F2 region row: (municipality, name, key, subkey, n).
CREATE TEMP TABLE hs_dist AS
SELECT i.municipality_id AS muni, 'education' AS name, COALESCE(NULLIF(p.education, ''), 'not_given') AS key,
       NULL::text AS sub, COUNT(DISTINCT i.teacher_id) AS n
FROM hs_iom i JOIN cnppm_person p ON p.id = i.teacher_id GROUP BY 1, 3
UNION ALL
SELECT i.municipality_id, 'category', COALESCE(NULLIF(p.qualification_category, ''), 'not_given'), NULL,
       COUNT(DISTINCT i.teacher_id)
FROM hs_iom i JOIN cnppm_person p ON p.id = i.teacher_id GROUP BY 1, 3
UNION ALL
SELECT i.municipality_id, 'experience',
       CASE WHEN p.experience_years <= 5 THEN 'under_5' WHEN p.experience_years <= 20 THEN '6_20'
            WHEN p.experience_years IS NOT NULL THEN 'over_20' ELSE 'not_given' END, NULL, COUNT(DISTINCT i.teacher_id)
FROM hs_iom i JOIN cnppm_person p ON p.id = i.teacher_id GROUP BY 1, 3
UNION ALL
SELECT d.municipality_id, 'deficits', b.name, br.level, COUNT(*)
FROM hs_diag d JOIN diagnostics_blockresult br ON br.attempt_id = d.id
JOIN diagnostics_competenceblock b ON b.id = br.block_id WHERE b.is_scored GROUP BY 1, 3, 4
UNION ALL
SELECT i.municipality_id, v.name, COALESCE(NULLIF(v.key, ''), 'not_given'), NULL, COUNT(*)
FROM hs_iom i JOIN routes_routeactivity a ON a.route_id = i.id
CROSS JOIN LATERAL (VALUES ('activity_kinds', a.kind), ('activity_levels', a.level), ('activity_formats', a.format)) AS v(name, key)
GROUP BY 1, 2, 3
UNION ALL
SELECT muni, 'combinations', combination, NULL, COUNT(*) FROM (
    SELECT muni, string_agg(name, ' + ' ORDER BY name COLLATE "C") AS combination FROM (
        SELECT DISTINCT i.id AS route, i.municipality_id AS muni, b.name
        FROM hs_iom i JOIN routes_routeactivity a ON a.route_id = i.id
        JOIN routes_routeactivity_competences rc ON rc.routeactivity_id = a.id
        JOIN diagnostics_competenceblock b ON b.id = rc.competenceblock_id
    ) pairs GROUP BY route, muni
) c GROUP BY 1, 3
UNION ALL
SELECT o.municipality_id, 'verdicts', COALESCE(NULLIF(rv.verdict, ''), 'not_given'), NULL, COUNT(*)
FROM routes_routereview rv JOIN routes_route r ON r.id = rv.route_id JOIN cnppm_person p ON p.id = r.teacher_id
JOIN cnppm_organization o ON o.id = r.organization_id JOIN hs_muni m ON m.id = o.municipality_id
WHERE p.consent_withdrawn_at IS NULL AND rv.created_at < %(end_ts)s
  AND (%(start_ts)s::timestamptz IS NULL OR rv.created_at >= %(start_ts)s)
GROUP BY 1, 3
UNION ALL
SELECT o.municipality_id, 'stages', s.status, NULL, COUNT(*)
FROM routes_route r JOIN cnppm_person p ON p.id = r.teacher_id
JOIN cnppm_organization o ON o.id = r.organization_id JOIN hs_muni m ON m.id = o.municipality_id
LEFT JOIN hs_then t ON t.route_id = r.id
CROSS JOIN LATERAL (SELECT CASE WHEN t.route_id IS NULL THEN r.status ELSE t.status END AS status) s
WHERE s.status <> 'cancelled' AND p.consent_withdrawn_at IS NULL AND r.created_at < %(end_ts)s
  AND (%(start_ts)s::timestamptz IS NULL OR r.created_at >= %(start_ts)s)
GROUP BY 1, 3;

-- {name: {key: n}} (deficits: {block: {level: n}}) for each municipality and for the region.
UPDATE hs_rows SET inputs = inputs || jsonb_build_object('distributions', jsonb_build_object(
    'region', (SELECT jsonb_object_agg(names.name, COALESCE(d.obj, '{}'::jsonb))
               FROM (VALUES ('education'), ('category'), ('experience'), ('deficits'), ('combinations'),
                            ('activity_kinds'), ('activity_levels'), ('activity_formats'), ('verdicts'), ('stages'))
                    AS names(name)
               LEFT JOIN (SELECT name, jsonb_object_agg(key, val) AS obj FROM (
                   SELECT name, key, CASE WHEN name = 'deficits' THEN jsonb_object_agg(COALESCE(sub, ''), n) ELSE to_jsonb(SUM(n)) END AS val
                   FROM (SELECT name, key, sub, SUM(n) AS n FROM hs_dist GROUP BY 1, 2, 3) s GROUP BY 1, 2
               ) k GROUP BY 1) d ON d.name = names.name),
    'by_municipality', (SELECT COALESCE(jsonb_object_agg(per.muni::text, per.obj), '{}'::jsonb) FROM (
        SELECT ms.muni, jsonb_object_agg(names.name, COALESCE(d.obj, '{}'::jsonb)) AS obj
        FROM (SELECT DISTINCT muni FROM hs_dist) ms
        CROSS JOIN (VALUES ('education'), ('category'), ('experience'), ('deficits'), ('combinations'),
                           ('activity_kinds'), ('activity_levels'), ('activity_formats'), ('verdicts'), ('stages'))
              AS names(name)
        LEFT JOIN (SELECT muni, name, jsonb_object_agg(key, val) AS obj FROM (
            SELECT muni, name, key,
                   CASE WHEN name = 'deficits' THEN jsonb_object_agg(COALESCE(sub, ''), n) ELSE to_jsonb(SUM(n)) END AS val
            FROM hs_dist GROUP BY 1, 2, 3
        ) k GROUP BY 1, 2) d ON d.muni = ms.muni AND d.name = names.name
        GROUP BY ms.muni
    ) per)
)) WHERE code = 'F2' AND scope = 'region';

-- The snapshot rows, in one INSERT … SELECT: a share rounded half up to one decimal, a count as is.
INSERT INTO monitoring_indicatorsnapshot
    (run_id, period_id, indicator_id, cumulative, scope_level, municipality_id, organization_id,
     numerator, denominator, value, inputs, note, computed_at)
SELECT %(run)s, %(period)s, d.id, %(cumulative)s, r.scope, r.muni, r.org, r.num, r.den,
       CASE WHEN r.is_count THEN r.num WHEN r.den > 0 THEN ROUND(r.num * 100 / r.den, 1) END,
       r.inputs, CASE WHEN NOT r.is_count AND COALESCE(r.den, 0) = 0 THEN 'Знаменатель равен нулю или не введён.' ELSE '' END,
       %(now)s
FROM hs_rows r JOIN monitoring_indicatordefinition d ON d.code = r.code;
