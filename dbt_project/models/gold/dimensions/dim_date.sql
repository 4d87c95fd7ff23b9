{{ config(dist='all', sort=['date_id']) }}

-- Grain: one row per calendar day (date_id), SCD Type 1: each key's row from the latest extract day
-- loaded (the silver history has one row per key per extract day), so the result is the same
-- whatever order the days were loaded in. Rebuilt whole on every run.

with

history as (

    select * from {{ ref('stg_dim_date') }}

),

latest_first as (

    select
        history.*,
        row_number() over (partition by history.date_id order by history.partition_date desc) as recency
    from history

),

final as (

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
        partition_date as extract_date
    from latest_first
    where recency = 1

)

select * from final
