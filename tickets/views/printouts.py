# Being written by a helper: receipt_pdf, tag_pdf.
def receipt_pdf(request, number): raise NotImplementedError
def tag_pdf(request, number): raise NotImplementedError
