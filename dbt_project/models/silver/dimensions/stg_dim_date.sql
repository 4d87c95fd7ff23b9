{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    date_id,
    date,
    year,
    quarter,
    month,
    month_name,
    day_of_month,
    day_of_week,
    day_name,
    week_of_year,
    is_weekend,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_date') }}
where quarantine_rule is null
