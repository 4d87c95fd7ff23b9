{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per loan application (loan_fact_id). Carries the natural ids and the surrogate key
-- of the customer version valid at the end of the day (the fact has only a date).
-- Windowed: a build writes the window's days, and its publish replaces them (macros/publish/candidates.sql).

{%- set end_of_day = last_second_of_day('loans.partition_date') %}

select
    loans.loan_fact_id,
    loans.loan_id,
    loans.customer_id,
    loans.date_id,
    loans.loan_amount,
    loans.loan_status,
    customers.customer_sk,
    loans.partition_date
from {{ ref('stg_fact_loan') }} as loans
{{ join_version_valid_at('dim_customer', 'customers', 'customer_id', 'loans.customer_id', end_of_day) }}
where {{ window_filter('loans.partition_date') }}
