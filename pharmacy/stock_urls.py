"""The stock screens of the pharmacy."""

from django.urls import path

from pharmacy import report_views, stock_views

urlpatterns: list = [
    path("stock/", stock_views.stock_levels, name="stock_levels"),
    path("stock/items/<int:pk>/", stock_views.stock_item, name="stock_item"),
    path("stock/alerts/", stock_views.stock_alerts, name="stock_alerts"),
    path("stock/stores/", stock_views.store_list, name="store_list"),
    path("stock/stores/new/", stock_views.store_new, name="store_new"),
    path("stock/stores/<int:pk>/", stock_views.store_edit, name="store_edit"),
    path("stock/suppliers/", stock_views.supplier_list, name="supplier_list"),
    path("stock/suppliers/new/", stock_views.supplier_new, name="supplier_new"),
    path("stock/suppliers/<int:pk>/", stock_views.supplier_edit, name="supplier_edit"),
    path("stock/receipts/", stock_views.receipt_list, name="receipt_list"),
    path("stock/receipts/new/", stock_views.receipt_new, name="receipt_new"),
    path("stock/receipts/<int:pk>/", stock_views.receipt_detail, name="receipt_detail"),
    path("stock/transfers/", stock_views.transfer_list, name="transfer_list"),
    path("stock/transfers/new/", stock_views.transfer_new, name="transfer_new"),
    path("stock/transfers/<int:pk>/", stock_views.transfer_detail, name="transfer_detail"),
    path(
        "stock/transfers/<int:pk>/receive/",
        stock_views.transfer_receive,
        name="transfer_receive",
    ),
    path("stock/wards/", stock_views.ward_stores, name="ward_stores"),
    path("stock/wards/<int:pk>/", stock_views.ward_store, name="ward_store"),
    path("stock/wards/<int:pk>/use/", stock_views.ward_use, name="ward_use"),
    path("stock/batches/<int:pk>/adjust/", stock_views.stock_adjust, name="stock_adjust"),
    path("stock/batches/<int:pk>/write-off/", stock_views.stock_write_off, name="stock_write_off"),
    path("stock/counts/", stock_views.stock_take_list, name="stock_take_list"),
    path("stock/counts/start/", stock_views.stock_take_start, name="stock_take_start"),
    path("stock/counts/<int:pk>/", stock_views.stock_take, name="stock_take"),
    path("stock/reports/", report_views.stock_reports, name="stock_reports"),
    path(
        "stock/reports/consumption/",
        report_views.consumption_report,
        name="stock_report_consumption",
    ),
    path("stock/reports/expiry/", report_views.expiry_report, name="stock_report_expiry"),
    path("stock/reports/doctors/", report_views.doctors_report, name="stock_report_doctors"),
]
