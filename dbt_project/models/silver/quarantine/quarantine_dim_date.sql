{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    date_id__as_sent as date_id,
    date__as_sent as date,
    year__as_sent as year,
    quarter__as_sent as quarter,
    month__as_sent as month,
    month_name__as_sent as month_name,
    day_of_month__as_sent as day_of_month,
    day_of_week__as_sent as day_of_week,
    day_name__as_sent as day_name,
    week_of_year__as_sent as week_of_year,
    is_weekend__as_sent as is_weekend,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_date') }}
where quarantine_rule is not null
