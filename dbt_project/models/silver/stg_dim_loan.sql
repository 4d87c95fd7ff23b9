{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per loan product (loan_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_loan keeps each key's row from the latest extract day loaded.
-- Rows breaking a rule are in quarantine_dim_loan instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_loans') }},

valid as (

    select * from dim_loans__validated
    where quarantine_reason is null

),

renamed as (

    select
        loan_id__typed as loan_id,
        loan_type__typed as loan_type,
        loan_name__typed as loan_name,
        interest_rate__typed as interest_rate,
        term_months__typed as term_months,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
