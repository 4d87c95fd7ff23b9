{{ config(dist='all', sort=['partition_date']) }}

-- Grain: one row per calendar day (date_id) per extract day (partition_date), typed. Reference data
-- comes with every day's files; incremental by window like the facts (delete the window's days,
-- insert them), and gold dim_date keeps each key's row from the latest extract day loaded.
-- Rows breaking a rule are in quarantine_dim_date instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_dates') }},

valid as (

    select * from dim_dates__validated
    where quarantine_reason is null

),

renamed as (

    select
        date_id__typed as date_id,
        date__typed as date,
        year__typed as year,
        quarter__typed as quarter,
        month__typed as month,
        month_name__typed as month_name,
        day_of_month__typed as day_of_month,
        day_of_week__typed as day_of_week,
        day_name__typed as day_name,
        week_of_year__typed as week_of_year,
        is_weekend__typed as is_weekend,
        dt as partition_date
    from valid

),

final as (

    select * from renamed

)

select * from final
