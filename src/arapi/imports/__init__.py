"""File imports: bank statements (:mod:`.statements`) and invoices (:mod:`.invoices`)."""
