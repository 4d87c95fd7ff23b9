{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    location_id__as_sent as location_id,
    city__as_sent as city,
    state__as_sent as state,
    country__as_sent as country,
    postal_code__as_sent as postal_code,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_location') }}
where quarantine_rule is not null
