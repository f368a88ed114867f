"""
Schema map of the Accounting collections added for issue 11: our schema -> published definition(s).

Same meaning as ``SCHEMA_MAP`` in ``test_spec_accounting.py`` (every property of our schema must
exist in at least one target with a compatible type; ``required`` must equal the POST target's).
Lookup lists whose published item is the bare ``Base`` map to ``Base``.
"""

from __future__ import annotations


ADDED_SCHEMA_MAP: dict[str, list[tuple[str, str]]] = {
    "AddressRegion": [("v31", "/definitions/AddressRegion")],
    "AddressType": [("v31", "/definitions/Base")],
    "AnalysisTypeCategory": [("v31", "/definitions/AnalysisTypeCategory")],
    "AnalysisType": [("v31", "/definitions/AnalysisType")],
    "ArtefactStatus": [("v31", "/definitions/Base")],
    "AttachmentContextType": [("v31", "/definitions/Base")],
    "Attachment": [("v31", "/definitions/Attachment")],
    "BankAccountType": [("v31", "/definitions/Base")],
    "BankDeposit": [("v31", "/definitions/BankDeposit")],
    "BankOpeningBalance": [("v31", "/definitions/BankOpeningBalance")],
    "BankReconciliationStatus": [("v31", "/definitions/BankReconciliationStatus")],
    "BankReconciliation": [("v31", "/definitions/BankReconciliation")],
    "BankTransfer": [("v31", "/definitions/BankTransfer")],
    "BusinessActivityType": [("v31", "/definitions/BusinessActivityType")],
    "BusinessExchangeRate": [("v31", "/definitions/BusinessExchangeRate")],
    "CatalogItemType": [("v31", "/definitions/Base")],
    "CisSettings": [("v31", "/definitions/CisSettings")],
    "CoaAccount": [("v31", "/definitions/CoaAccount")],
    "CoaTemplate": [("v31", "/definitions/CoaTemplate")],
    "ContactAllocationArtefact": [("v31", "/definitions/AllocatedArtefact")],
    "ContactAllocation": [("v31", "/definitions/ContactAllocation")],
    "ContactOpeningBalanceType": [("v31", "/definitions/Base")],
    "ContactOpeningBalance": [("v31", "/definitions/ContactOpeningBalance")],
    "ContactPersonType": [("v31", "/definitions/ContactPersonType")],
    "ContactType": [("v31", "/definitions/Base")],
    "CorrectiveReasonCode": [("v31", "/definitions/Base")],
    "Country": [("v31", "/definitions/Base")],
    "CountryOfRegistration": [("v31", "/definitions/Base")],
    "CountryGroup": [("v31", "/definitions/Base")],
    "DatevSettings": [("v31", "/definitions/DatevSettings")],
    "DefaultMessages": [("v31", "/definitions/DefaultMessages")],
    "EmailSettings": [("v31", "/definitions/EmailSettings")],
    "EuGoodsServicesType": [("v31", "/definitions/Base")],
    "EuSalesDescription": [("v31", "/definitions/EuSalesDescription")],
    "ExchangeRate": [("v31", "/definitions/ExchangeRate")],
    "HostedArtefactPaymentSetting": [("v31", "/definitions/HostedArtefactPaymentSetting")],
    "JournalCodeType": [("v31", "/definitions/JournalCodeType")],
    "JournalCode": [("v31", "/definitions/JournalCode")],
    "LedgerAccountClassification": [("v31", "/definitions/Base")],
    "LedgerAccountOpeningBalance": [("v31", "/definitions/LedgerAccountOpeningBalance")],
    "LedgerAccountType": [("v31", "/definitions/Base")],
    "LedgerEntry": [("v31", "/definitions/LedgerEntry")],
    "LegalFormType": [("v31", "/definitions/LegalFormType")],
    "LiveExchangeRate": [("v31", "/definitions/LiveExchangeRate")],
    "GBBoxData": [("v31", "/definitions/GBBoxData")],
    "IEBoxData": [("v31", "/definitions/IEBoxData")],
    "MigrationTaxReturn": [("v31", "/definitions/MigrationTaxReturn")],
    "MigrationStatus": [("v31", "/definitions/MigrationStatus")],
    "Migration": [("v31", "/definitions/Migration")],
    "BaseJournalLine": [("v31", "/definitions/BaseJournalLine")],
    "OpeningBalanceJournal": [("v31", "/definitions/OpeningBalanceJournal")],
    "OtherPaymentLineItem": [("v31", "/definitions/OtherPaymentLineItem")],
    "AnalysisTypeLineItem": [("v31", "/definitions/AnalysisTypeLineItem")],
    "OtherPayment": [("v31", "/definitions/OtherPayment")],
    "PaymentMethod": [("v31", "/definitions/Base")],
    "ProductSalesPriceType": [("v31", "/definitions/ProductSalesPriceType")],
    "ArtefactDetailedTaxAnalysisBreakdown": [
        ("v31", "/definitions/ArtefactDetailedTaxAnalysisBreakdown")
    ],
    "PurchaseCorrectiveInvoice": [("v31", "/definitions/PurchaseCorrectiveInvoice")],
    "PurchaseQuickEntry": [("v31", "/definitions/PurchaseQuickEntry")],
    "QuickEntryType": [("v31", "/definitions/Base")],
    "SalesCorrectiveInvoice": [("v31", "/definitions/SalesCorrectiveInvoice")],
    "QuoteStatus": [("v31", "/definitions/QuoteStatus")],
    "SalesQuoteLineItem": [("v31", "/definitions/SalesQuoteLineItem")],
    "ProfitAnalysis": [("v31", "/definitions/ProfitAnalysis")],
    "ProfitBreakdown": [("v31", "/definitions/ProfitBreakdown")],
    "SalesEstimate": [("v31", "/definitions/SalesEstimate")],
    "SalesQuickEntry": [("v31", "/definitions/QuickEntry")],
    "SalesQuote": [("v31", "/definitions/SalesQuote")],
    "ServiceRateType": [("v31", "/definitions/ServiceRateType")],
    "StockMovement": [("v31", "/definitions/StockMovement")],
    "TaxOffice": [("v31", "/definitions/TaxOffice")],
    "TaxProfile": [("v31", "/definitions/TaxProfile")],
    "TaxReturnFrequency": [("v31", "/definitions/Base")],
    "TaxScheme": [("v31", "/definitions/TaxScheme")],
    "TaxType": [("v31", "/definitions/TaxType")],
    "TransactionType": [("v31", "/definitions/Base")],
    "TransactionOrigin": [("v31", "/definitions/TransactionOrigin")],
    "Transaction": [("v31", "/definitions/Transaction")],
    "UnallocatedArtefact": [("v31", "/definitions/UnallocatedArtefact")],
    "AnalysisTypeCategoryWrite": [
        ("v31", "/definitions/postAnalysisTypeCategories/properties/analysis_type_category"),
        ("v31", "/definitions/putAnalysisTypeCategories/properties/analysis_type_category"),
    ],
    "AnalysisTypeCategoryWriteRequest": [
        ("v31", "/definitions/postAnalysisTypeCategories"),
        ("v31", "/definitions/putAnalysisTypeCategories"),
    ],
    "AnalysisTypeAnalysisTypeCategoryWrite": [
        (
            "v31",
            "/definitions/putAnalysisTypes/properties/analysis_type/properties/analysis_type_categories/items",
        )
    ],
    "AnalysisTypeWrite": [("v31", "/definitions/putAnalysisTypes/properties/analysis_type")],
    "AnalysisTypeWriteRequest": [("v31", "/definitions/putAnalysisTypes")],
    "AttachmentWrite": [
        ("v31", "/definitions/postAttachments/properties/attachment"),
        ("v31", "/definitions/putAttachments/properties/attachment"),
    ],
    "AttachmentWriteRequest": [
        ("v31", "/definitions/postAttachments"),
        ("v31", "/definitions/putAttachments"),
    ],
    "BankDepositWrite": [("v31", "/definitions/postBankDeposits/properties/bank_deposit")],
    "BankDepositWriteRequest": [("v31", "/definitions/postBankDeposits")],
    "BankOpeningBalanceWrite": [
        ("v31", "/definitions/postBankOpeningBalances/properties/bank_opening_balance"),
        ("v31", "/definitions/putBankOpeningBalances/properties/bank_opening_balance"),
    ],
    "BankOpeningBalanceWriteRequest": [
        ("v31", "/definitions/postBankOpeningBalances"),
        ("v31", "/definitions/putBankOpeningBalances"),
    ],
    "BankReconciliationWrite": [
        ("v31", "/definitions/postBankReconciliations/properties/bank_reconciliation"),
        ("v31", "/definitions/putBankReconciliations/properties/bank_reconciliation"),
    ],
    "BankReconciliationWriteRequest": [
        ("v31", "/definitions/postBankReconciliations"),
        ("v31", "/definitions/putBankReconciliations"),
    ],
    "BankTransferWrite": [
        ("v31", "/definitions/postBankTransfers/properties/bank_transfer"),
        ("v31", "/definitions/putBankTransfers/properties/bank_transfer"),
    ],
    "BankTransferWriteRequest": [
        ("v31", "/definitions/postBankTransfers"),
        ("v31", "/definitions/putBankTransfers"),
    ],
    "BusinessExchangeRateWrite": [
        ("v31", "/definitions/postBusinessExchangeRates/properties/business_exchange_rate"),
        ("v31", "/definitions/putBusinessExchangeRates/properties/business_exchange_rate"),
    ],
    "BusinessExchangeRateWriteRequest": [
        ("v31", "/definitions/postBusinessExchangeRates"),
        ("v31", "/definitions/putBusinessExchangeRates"),
    ],
    "BusinessSettingsDefaultLedgerAccountsWrite": [
        (
            "v31",
            "/definitions/putBusinessSettings/properties/business_settings/properties/default_ledger_accounts",
        )
    ],
    "BusinessSettingsWrite": [
        ("v31", "/definitions/putBusinessSettings/properties/business_settings")
    ],
    "BusinessSettingsWriteRequest": [("v31", "/definitions/putBusinessSettings")],
    "CisSettingsWrite": [("v31", "/definitions/putCisSettings/properties/cis_settings")],
    "CisSettingsWriteRequest": [("v31", "/definitions/putCisSettings")],
    "ContactAllocationAllocatedArtefactWrite": [
        (
            "v31",
            "/definitions/postContactAllocations/properties/contact_allocation/properties/allocated_artefacts/items",
        ),
        (
            "v31",
            "/definitions/putContactAllocations/properties/contact_allocation/properties/allocated_artefacts/items",
        ),
    ],
    "ContactAllocationWrite": [
        ("v31", "/definitions/postContactAllocations/properties/contact_allocation"),
        ("v31", "/definitions/putContactAllocations/properties/contact_allocation"),
    ],
    "ContactAllocationWriteRequest": [
        ("v31", "/definitions/postContactAllocations"),
        ("v31", "/definitions/putContactAllocations"),
    ],
    "ContactOpeningBalanceWrite": [
        ("v31", "/definitions/postContactOpeningBalances/properties/contact_opening_balance"),
        ("v31", "/definitions/putContactOpeningBalances/properties/contact_opening_balance"),
    ],
    "ContactOpeningBalanceWriteRequest": [
        ("v31", "/definitions/postContactOpeningBalances"),
        ("v31", "/definitions/putContactOpeningBalances"),
    ],
    "DatevSettingsWrite": [("v31", "/definitions/putDatevSettings/properties/datev_settings")],
    "DatevSettingsWriteRequest": [("v31", "/definitions/putDatevSettings")],
    "EmailSettingsDefaultMessageWrite": [
        (
            "v31",
            "/definitions/putEmailSettings/properties/email_settings/properties/default_messages/items",
        )
    ],
    "EmailSettingsWrite": [("v31", "/definitions/putEmailSettings/properties/email_settings")],
    "EmailSettingsWriteRequest": [("v31", "/definitions/putEmailSettings")],
    "FinancialSettingsWrite": [
        ("v31", "/definitions/putFinancialSettings/properties/financial_settings")
    ],
    "FinancialSettingsWriteRequest": [("v31", "/definitions/putFinancialSettings")],
    "HostedArtefactPaymentSettingWrite": [
        (
            "v31",
            "/definitions/postHostedArtefactPaymentSettings/properties/hosted_artefact_payment_setting",
        )
    ],
    "HostedArtefactPaymentSettingWriteRequest": [
        ("v31", "/definitions/postHostedArtefactPaymentSettings")
    ],
    "InvoiceSettingsDocumentHeadingsWrite": [
        (
            "v31",
            "/definitions/putInvoiceSettings/properties/invoice_settings/properties/document_headings",
        )
    ],
    "InvoiceSettingsLineItemTitlesWrite": [
        (
            "v31",
            "/definitions/putInvoiceSettings/properties/invoice_settings/properties/line_item_titles",
        )
    ],
    "InvoiceSettingsFooterDetailsWrite": [
        (
            "v31",
            "/definitions/putInvoiceSettings/properties/invoice_settings/properties/footer_details",
        )
    ],
    "InvoiceSettingsPrintContactDetailsWrite": [
        (
            "v31",
            "/definitions/putInvoiceSettings/properties/invoice_settings/properties/print_contact_details",
        )
    ],
    "InvoiceSettingsPrintStatementsWrite": [
        (
            "v31",
            "/definitions/putInvoiceSettings/properties/invoice_settings/properties/print_statements",
        )
    ],
    "InvoiceSettingsWrite": [
        ("v31", "/definitions/putInvoiceSettings/properties/invoice_settings")
    ],
    "InvoiceSettingsWriteRequest": [("v31", "/definitions/putInvoiceSettings")],
    "JournalCodeWriteRequest": [
        ("v31", "/definitions/postJournalCodes"),
        ("v31", "/definitions/putJournalCodes"),
    ],
    "LedgerAccountOpeningBalanceWrite": [
        (
            "v31",
            "/definitions/postLedgerAccountOpeningBalances/properties/ledger_account_opening_balance",
        ),
        (
            "v31",
            "/definitions/putLedgerAccountOpeningBalances/properties/ledger_account_opening_balance",
        ),
    ],
    "LedgerAccountOpeningBalanceWriteRequest": [
        ("v31", "/definitions/postLedgerAccountOpeningBalances"),
        ("v31", "/definitions/putLedgerAccountOpeningBalances"),
    ],
    "MigrationTaxReturnGbWrite": [
        (
            "v31",
            "/definitions/postMigrationTaxReturns/properties/migration_tax_return/properties/gb",
        )
    ],
    "MigrationTaxReturnIeWrite": [
        (
            "v31",
            "/definitions/postMigrationTaxReturns/properties/migration_tax_return/properties/ie",
        )
    ],
    "MigrationTaxReturnWrite": [
        ("v31", "/definitions/postMigrationTaxReturns/properties/migration_tax_return")
    ],
    "MigrationTaxReturnWriteRequest": [("v31", "/definitions/postMigrationTaxReturns")],
    "MigrationWrite": [("v31", "/definitions/putMigrations/properties/migrations")],
    "MigrationWriteRequest": [("v31", "/definitions/putMigrations")],
    "OpeningBalanceJournalJournalLineWrite": [
        (
            "v31",
            "/definitions/postOpeningBalanceJournals/properties/opening_balance_journal/properties/journal_lines/items",
        )
    ],
    "OpeningBalanceJournalWrite": [
        ("v31", "/definitions/postOpeningBalanceJournals/properties/opening_balance_journal")
    ],
    "OpeningBalanceJournalWriteRequest": [("v31", "/definitions/postOpeningBalanceJournals")],
    "OtherPaymentPaymentLineWrite": [
        (
            "v31",
            "/definitions/postOtherPayments/properties/other_payment/properties/payment_lines/items",
        ),
        (
            "v31",
            "/definitions/putOtherPayments/properties/other_payment/properties/payment_lines/items",
        ),
    ],
    "OtherPaymentWrite": [
        ("v31", "/definitions/postOtherPayments/properties/other_payment"),
        ("v31", "/definitions/putOtherPayments/properties/other_payment"),
    ],
    "OtherPaymentWriteRequest": [
        ("v31", "/definitions/postOtherPayments"),
        ("v31", "/definitions/putOtherPayments"),
    ],
    "ProductSalesPriceTypeWrite": [
        ("v31", "/definitions/postProductSalesPriceTypes/properties/product_sales_price_type"),
        ("v31", "/definitions/putProductSalesPriceTypes/properties/product_sales_price_type"),
    ],
    "ProductSalesPriceTypeWriteRequest": [
        ("v31", "/definitions/postProductSalesPriceTypes"),
        ("v31", "/definitions/putProductSalesPriceTypes"),
    ],
    "PurchaseCorrectiveInvoiceInvoiceLineWrite": [
        (
            "v31",
            "/definitions/postPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice/properties/invoice_lines/items",
        ),
        (
            "v31",
            "/definitions/putPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice/properties/invoice_lines/items",
        ),
    ],
    "PurchaseCorrectiveInvoiceTaxAnalysiWrite": [
        (
            "v31",
            "/definitions/postPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice/properties/tax_analysis/items",
        ),
        (
            "v31",
            "/definitions/putPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice/properties/tax_analysis/items",
        ),
    ],
    "PurchaseCorrectiveInvoiceWrite": [
        (
            "v31",
            "/definitions/postPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice",
        ),
        (
            "v31",
            "/definitions/putPurchaseCorrectiveInvoices/properties/purchase_corrective_invoice",
        ),
    ],
    "PurchaseCorrectiveInvoiceWriteRequest": [
        ("v31", "/definitions/postPurchaseCorrectiveInvoices"),
        ("v31", "/definitions/putPurchaseCorrectiveInvoices"),
    ],
    "PurchaseQuickEntryAnalysisTypeCategoryWrite": [
        (
            "v31",
            "/definitions/postPurchaseQuickEntries/properties/purchase_quick_entry/properties/analysis_type_categories/items",
        ),
        (
            "v31",
            "/definitions/putPurchaseQuickEntries/properties/purchase_quick_entry/properties/analysis_type_categories/items",
        ),
    ],
    "PurchaseQuickEntryWrite": [
        ("v31", "/definitions/postPurchaseQuickEntries/properties/purchase_quick_entry"),
        ("v31", "/definitions/putPurchaseQuickEntries/properties/purchase_quick_entry"),
    ],
    "PurchaseQuickEntryWriteRequest": [
        ("v31", "/definitions/postPurchaseQuickEntries"),
        ("v31", "/definitions/putPurchaseQuickEntries"),
    ],
    "SalesCorrectiveInvoiceMainAddressWrite": [
        (
            "v31",
            "/definitions/postSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/main_address",
        ),
        (
            "v31",
            "/definitions/putSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/main_address",
        ),
    ],
    "SalesCorrectiveInvoiceDeliveryAddressWrite": [
        (
            "v31",
            "/definitions/postSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/delivery_address",
        ),
        (
            "v31",
            "/definitions/putSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/delivery_address",
        ),
    ],
    "SalesCorrectiveInvoiceInvoiceLineWrite": [
        (
            "v31",
            "/definitions/postSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/invoice_lines/items",
        ),
        (
            "v31",
            "/definitions/putSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/invoice_lines/items",
        ),
    ],
    "SalesCorrectiveInvoiceTaxAnalysiWrite": [
        (
            "v31",
            "/definitions/postSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/tax_analysis/items",
        ),
        (
            "v31",
            "/definitions/putSalesCorrectiveInvoices/properties/sales_corrective_invoice/properties/tax_analysis/items",
        ),
    ],
    "SalesCorrectiveInvoiceWrite": [
        ("v31", "/definitions/postSalesCorrectiveInvoices/properties/sales_corrective_invoice"),
        ("v31", "/definitions/putSalesCorrectiveInvoices/properties/sales_corrective_invoice"),
    ],
    "SalesCorrectiveInvoiceWriteRequest": [
        ("v31", "/definitions/postSalesCorrectiveInvoices"),
        ("v31", "/definitions/putSalesCorrectiveInvoices"),
    ],
    "SalesEstimateMainAddressWrite": [
        (
            "v31",
            "/definitions/postSalesEstimates/properties/sales_estimate/properties/main_address",
        ),
        ("v31", "/definitions/putSalesEstimates/properties/sales_estimate/properties/main_address"),
    ],
    "SalesEstimateDeliveryAddressWrite": [
        (
            "v31",
            "/definitions/postSalesEstimates/properties/sales_estimate/properties/delivery_address",
        ),
        (
            "v31",
            "/definitions/putSalesEstimates/properties/sales_estimate/properties/delivery_address",
        ),
    ],
    "SalesEstimateEstimateLineWrite": [
        (
            "v31",
            "/definitions/postSalesEstimates/properties/sales_estimate/properties/estimate_lines/items",
        ),
        (
            "v31",
            "/definitions/putSalesEstimates/properties/sales_estimate/properties/estimate_lines/items",
        ),
    ],
    "SalesEstimateTaxAnalysiWrite": [
        (
            "v31",
            "/definitions/postSalesEstimates/properties/sales_estimate/properties/tax_analysis/items",
        ),
        (
            "v31",
            "/definitions/putSalesEstimates/properties/sales_estimate/properties/tax_analysis/items",
        ),
    ],
    "SalesEstimateWrite": [
        ("v31", "/definitions/postSalesEstimates/properties/sales_estimate"),
        ("v31", "/definitions/putSalesEstimates/properties/sales_estimate"),
    ],
    "SalesEstimateWriteRequest": [
        ("v31", "/definitions/postSalesEstimates"),
        ("v31", "/definitions/putSalesEstimates"),
    ],
    "SalesQuickEntryAnalysisTypeCategoryWrite": [
        (
            "v31",
            "/definitions/postSalesQuickEntries/properties/sales_quick_entry/properties/analysis_type_categories/items",
        ),
        (
            "v31",
            "/definitions/putSalesQuickEntries/properties/sales_quick_entry/properties/analysis_type_categories/items",
        ),
    ],
    "SalesQuickEntryWrite": [
        ("v31", "/definitions/postSalesQuickEntries/properties/sales_quick_entry"),
        ("v31", "/definitions/putSalesQuickEntries/properties/sales_quick_entry"),
    ],
    "SalesQuickEntryWriteRequest": [
        ("v31", "/definitions/postSalesQuickEntries"),
        ("v31", "/definitions/putSalesQuickEntries"),
    ],
    "SalesQuoteMainAddressWrite": [
        ("v31", "/definitions/postSalesQuotes/properties/sales_quote/properties/main_address"),
        ("v31", "/definitions/putSalesQuotes/properties/sales_quote/properties/main_address"),
    ],
    "SalesQuoteDeliveryAddressWrite": [
        ("v31", "/definitions/postSalesQuotes/properties/sales_quote/properties/delivery_address"),
        ("v31", "/definitions/putSalesQuotes/properties/sales_quote/properties/delivery_address"),
    ],
    "SalesQuoteQuoteLineWrite": [
        ("v31", "/definitions/postSalesQuotes/properties/sales_quote/properties/quote_lines/items"),
        ("v31", "/definitions/putSalesQuotes/properties/sales_quote/properties/quote_lines/items"),
    ],
    "SalesQuoteTaxAnalysiWrite": [
        (
            "v31",
            "/definitions/postSalesQuotes/properties/sales_quote/properties/tax_analysis/items",
        ),
        ("v31", "/definitions/putSalesQuotes/properties/sales_quote/properties/tax_analysis/items"),
    ],
    "SalesQuoteWrite": [
        ("v31", "/definitions/postSalesQuotes/properties/sales_quote"),
        ("v31", "/definitions/putSalesQuotes/properties/sales_quote"),
    ],
    "SalesQuoteWriteRequest": [
        ("v31", "/definitions/postSalesQuotes"),
        ("v31", "/definitions/putSalesQuotes"),
    ],
    "ServiceRateTypeWrite": [
        ("v31", "/definitions/postServiceRateTypes/properties/service_rate_type"),
        ("v31", "/definitions/putServiceRateTypes/properties/service_rate_type"),
    ],
    "ServiceRateTypeWriteRequest": [
        ("v31", "/definitions/postServiceRateTypes"),
        ("v31", "/definitions/putServiceRateTypes"),
    ],
    "StockMovementWrite": [
        ("v31", "/definitions/postStockMovements/properties/stock_movement"),
        ("v31", "/definitions/putStockMovements/properties/stock_movement"),
    ],
    "StockMovementWriteRequest": [
        ("v31", "/definitions/postStockMovements"),
        ("v31", "/definitions/putStockMovements"),
    ],
    "TaxProfileAddressRegionWrite": [
        ("v31", "/definitions/putTaxProfiles/properties/tax_profile/properties/address_region")
    ],
    "TaxProfileWrite": [("v31", "/definitions/putTaxProfiles/properties/tax_profile")],
    "TaxProfileWriteRequest": [("v31", "/definitions/putTaxProfiles")],
}
