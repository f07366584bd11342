-- wire_agency: the canonical name of a wire agency for a text that is only its name, in any
-- case, with or without dots (`A.F.P.`, `Agence France-Presse`, `REUTER`); null for any other
-- text. A map lookup: a regular expression per document cost a second a million.
CREATE OR REPLACE MACRO wire_agency(name) AS (
    MAP {
        'reuters': 'Reuters',
        'reuter': 'Reuters',
        'thomson reuters': 'Reuters',
        'afp': 'AFP',
        'agence france-presse': 'AFP',
        'agence france presse': 'AFP',
        'ap': 'AP',
        'associated press': 'AP',
        'the associated press': 'AP',
        'tass': 'TASS',
        'itar-tass': 'TASS',
        'xinhua': 'Xinhua',
        'xinhua news agency': 'Xinhua',
        'dpa': 'dpa',
        'upi': 'UPI',
        'united press international': 'UPI',
        'bloomberg': 'Bloomberg',
        'ians': 'IANS',
        'pti': 'PTI',
        'press trust of india': 'PTI',
        'ani': 'ANI',
        'kyodo': 'Kyodo',
        'kyodo news': 'Kyodo',
        'yonhap': 'Yonhap',
        'ria': 'RIA Novosti',
        'ria novosti': 'RIA Novosti',
        'interfax': 'Interfax',
        'efe': 'EFE',
        'ansa': 'ANSA',
        'anadolu': 'Anadolu',
        'anadolu agency': 'Anadolu',
        'aap': 'AAP',
        'australian associated press': 'AAP',
        'pa media': 'PA',
        'press association': 'PA',
        'the canadian press': 'The Canadian Press',
        'canadian press': 'The Canadian Press',
        'bernama': 'Bernama',
        'antara': 'Antara'
    }[replace(lower(trim(name)), '.', '')]
);

-- stg_wire_documents: one row per document with what syndication is counted from: its story,
-- outlet, the day by which it had surely run (`seen_by`), and the wire agency it credits.
-- A document dated to the day ran that day; one dated only to the month (the 1st, precision
-- `month`) counts on the last day of its month, so it is never taken as first over a copy dated
-- within that month; an undated one has no day and counts for outlets and copies only.
-- The agency is the documents' own column (`transforms/agencies.py`); `wire_agency` above tells
-- whether a publisher is itself a wire (a story on its own wire's site is not a copy of it).
CREATE OR REPLACE VIEW stg_wire_documents AS
SELECT
    doc_id,
    cluster_id,
    publisher,
    is_canonical,
    title,
    CASE WHEN date_precision = 'month' THEN last_day(published_date) ELSE published_date END
        AS seen_by,
    agency,
FROM documents;
