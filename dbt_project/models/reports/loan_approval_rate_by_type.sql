-- Share of loan applications approved, per loan type.

with

per_type as (

    select
        loan_products.loan_type,
        count(loans.loan_fact_id) as total_applications,
        sum(case when loans.loan_status = 'Approved' then 1 else 0 end) as approved,
        sum(case when loans.loan_status = 'Rejected' then 1 else 0 end) as rejected
    from {{ ref('fact_loan') }} as loans
    inner join {{ ref('dim_loan') }} as loan_products
        on loans.loan_id = loan_products.loan_id
    group by loan_products.loan_type

)

select
    loan_type,
    total_applications,
    approved,
    rejected,
    round(100.0 * approved / total_applications, 2) as approval_rate
from per_type
order by approval_rate desc, loan_type asc
