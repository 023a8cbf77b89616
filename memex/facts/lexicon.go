package facts

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The label lexicon: every label a document uses to introduce a field, in
// the languages MemexFS reads (Languages: en, de, fr, nl, es, it, pl, pt,
// cs, ro, hu, fi, sv, da, no, tr, ja), plus the document-number labels made from
// the kind titles (numberLabels). It is data,
// not code: a label is written once, folded (see Fold), and matched at word
// boundaries; when several labels match at one place the longest wins, so
// "total vat" is tax while "total" is the total and "total excl vat" the
// subtotal.

// Fields a label can introduce.
const (
	fInvoiceNo   = "invoice_number"
	fOtherNo     = "other_number" // order, customer, PO, booking, tax and bank numbers: never the invoice number
	fIssueDate   = "issue_date"
	fDueDate     = "due_date"
	fPaidDate    = "paid_date"
	fOtherDate   = "other_date" // delivery, order, service period: not the issue date
	fTotal       = "total"
	fGrandTotal  = "grand_total" // the gross amount: incl. tax
	fToPay       = "to_pay"      // "amount due", "zahlbetrag": what is asked now, after deposits
	fSubtotal    = "subtotal"
	fTax         = "tax"
	fPaid        = "amount_paid"
	fBalance     = "balance_due"
	fSeller      = "seller"
	fBuyer       = "buyer"
	fTerms       = "payment_terms"
	fOtherAmount = "other_amount" // discount, shipping, deposit, unit price…
)

// labels maps a field to its labels by language. Labels are folded.
var labels = map[string]map[string][]string{
	fInvoiceNo: {
		"en": {"invoice no", "invoice number", "invoice nr", "invoice num", "invoice id", "invoice ref", "invoice reference", "inv no", "inv", "invoice",
			"bill no", "bill number", "receipt no", "receipt number", "receipt", "credit note no", "credit note number", "credit memo no",
			"document no", "document number", "doc no", "docno", "number", "no", "ref no", "tax invoice no", "statement no", "quote no", "quote number", "estimate no", "estimate number"},
		"de": {"rechnungsnummer", "rechnungsnr", "rechnung nr", "rechnung no", "rechnungs nr", "rechnung", "belegnummer", "beleg nr", "belegnr", "nummer", "nr",
			"gutschriftsnummer", "gutschrift nr", "angebotsnummer", "angebot nr", "dokumentnummer", "rech nr", "re nr", "handelsrechnung", "rechnungs nr", "rechnung nummer", "beleg", "bon nr", "bon"},
		"fr": {"no de facture", "numero de facture", "facture no", "facture numero", "no facture", "facture", "numero", "no d avoir", "avoir no", "no du devis", "devis no", "ref facture"},
		"nl": {"factuurnummer", "factuurnr", "factuur nr", "factuur no", "factuur", "nummer", "creditnotanummer", "kopie factuur"},
		"es": {"no de factura", "numero de factura", "factura no", "factura numero", "num factura", "factura", "n factura", "no factura", "numero", "n o factura"},
		"it": {"numero fattura", "fattura n", "fattura no", "n fattura", "fattura numero", "fattura nr", "fattura", "numero documento", "n documento", "n doc"},
		"pl": {"numer faktury", "faktura nr", "faktura vat nr", "faktura vat", "nr faktury", "faktura", "numer", "nr dokumentu"},
		"pt": {"numero da fatura", "fatura no", "fatura n", "no da fatura", "nota fiscal no", "nota fiscal n", "fatura", "numero", "n da fatura", "fatura recibo no",
			"numero da nfs e", "numero da nfse", "numero da nota", "numero da nota fiscal", "n da nota"},
		"cs": {"cislo faktury", "faktura c", "faktura cislo", "cislo dokladu", "doklad c", "cislo", "variabilni symbol"},
		"fi": {"laskun numero", "laskun nro", "laskunumero", "lasku nro", "lasku no"},
		"hu": {"szamla sorszama", "szamlaszam", "sorszam", "szamla szama"},
		"ro": {"numar factura", "factura nr", "nr factura", "nr facturii", "numarul facturii", "numar facturii"},
		"sv": {"fakturanummer", "faktura nr", "fakturanr"},
		"da": {"faktura nr", "fakturanr"},
		"no": {"fakturanummer", "faktura nr", "fakturanr"},
		"tr": {"fatura no", "fatura numarasi", "fatura nr", "belge no", "fis no", "fis", "seri no", "sira no"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"請 求 書 番 号", "請 求 番 号", "請 求 書 no", "請 求 no", "伝 票 番 号", "領 収 書 番 号", "見 積 番 号", "見 積 書 番 号", "書 類 番 号", "文 書 番 号", "番 号"},
	},
	fOtherNo: {
		"en": {"order no", "order number", "order id", "order", "po", "po no", "po number", "purchase order", "purchase order no", "customer no", "customer number",
			"customer id", "account no", "account number", "account id", "account", "client no", "client id", "booking no", "booking number", "booking reference", "reference", "ref",
			"your reference", "our reference", "serial number", "tax id", "vat no", "vat number", "vat reg no", "vat registration no", "vat id", "gst no", "gstin", "pan", "abn",
			"ein", "company no", "company number", "registration no", "reg no", "iban", "bic", "swift", "sort code", "tracking no", "delivery note", "contract no",
			"phone", "tel", "fax", "mobile", "item", "sku", "order ref", "transaction id", "payment id", "auth code", "project no", "membership no", "customer ref", "serial no", "card"},
		"de": {"bestellnummer", "bestellnr", "bestellung", "auftragsnummer", "auftragsnr", "auftrag", "kundennummer", "kundennr", "kunden nr", "kd nr", "ihre bestellung",
			"ust idnr", "ust id", "ust id nr", "umsatzsteuer id", "ustid", "steuernummer", "steuer nr", "st nr", "handelsregister", "hrb", "amtsgericht", "lieferschein", "lieferscheinnummer",
			"vertragsnummer", "referenz", "ihr zeichen", "unser zeichen", "telefon", "projekt", "bankverbindung", "konto", "blz"},
		"fr": {"no de commande", "commande", "numero de commande", "no client", "code client", "client no", "reference client", "votre reference", "reference", "tva intracommunautaire",
			"no tva", "numero de tva", "siret", "siren", "rcs", "naf", "ape", "bon de livraison", "telephone", "tel", "no de contrat"},
		"nl": {"ordernummer", "bestelnummer", "klantnummer", "klantnr", "debiteurnummer", "uw referentie", "referentie", "btw nummer", "btw nr", "btw id", "kvk", "kvk nummer", "iban"},
		"es": {"no de pedido", "pedido", "numero de pedido", "no de cliente", "cliente no", "codigo cliente", "referencia", "nif", "cif", "nif cif", "no de albaran", "albaran", "telefono"},
		"it": {"numero ordine", "ordine", "n ordine", "codice cliente", "cliente n", "riferimento", "partita iva", "p iva", "codice fiscale", "cod fisc", "ddt", "telefono"},
		"pl": {"numer zamowienia", "zamowienie", "nr zamowienia", "numer klienta", "nip", "regon", "krs", "numer konta", "nr konta", "nr rachunku", "telefon"},
		"pt": {"numero do pedido", "pedido", "no do cliente", "cliente no", "referencia", "cnpj", "cpf", "nif", "contribuinte", "inscricao estadual", "telefone"},
		"tr": {"vergi no", "vergi numarasi", "vkn", "tckn", "vergi dairesi", "mersis no", "ettn", "siparis no", "musteri no", "iban", "tel", "telefon"},
		"cs": {"cislo objednavky", "objednavka", "cislo uctu", "ucet", "ico", "dic", "konstantni symbol", "specificky symbol", "telefon", "tel"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"注 文 番 号", "発 注 番 号", "顧 客 番 号", "お 客 様 番 号", "登 録 番 号", "口 座 番 号", "電 話 番 号", "取 引 番 号"},
	},
	fIssueDate: {
		"en": {"invoice date", "date of invoice", "date of issue", "issue date", "issuing date", "issued", "issued on", "date issued", "date", "dated", "billing date", "bill date",
			"invoice date tax point", "tax point", "inv date", "date of invoice issue", "tax point date", "receipt date", "credit note date", "document date", "statement date", "quote date", "estimate date", "date of sale", "sale date", "transaction date", "purchase date", "created", "created on", "date created", "creation date"},
		"de": {"rechnungsdatum", "datum", "belegdatum", "ausstellungsdatum", "rechnungs datum", "gutschriftsdatum", "angebotsdatum", "ausgestellt am", "erstellt am", "re datum"},
		"fr": {"date de facture", "date de facturation", "date d emission", "date", "facture du", "date de la facture", "emise le", "date de l avoir", "date du devis"},
		"nl": {"factuurdatum", "datum", "factuur datum", "datum factuur", "uitgiftedatum"},
		"es": {"fecha de factura", "fecha factura", "fecha de emision", "fecha emision", "fecha", "fecha de expedicion"},
		"it": {"data fattura", "data", "data documento", "data emissione", "data di emissione", "del"},
		"pl": {"data wystawienia", "data", "data faktury", "wystawiono dnia"},
		"pt": {"data de emissao", "data da fatura", "data emissao", "data", "emissao", "data de faturacao", "data da emissao", "data e hora da emissao", "data e hora da emissao da nfs e", "data de emissao da nota"},
		"cs": {"datum vystaveni", "datum vydani", "vystaveno"},
		"fi": {"laskun paivamaara", "paivamaara", "laskutuspaiva", "pvm"},
		"hu": {"szamla kelte", "kelte", "kiallitas datuma", "kiallitas kelte", "keltezes"},
		"ro": {"data emiterii", "data facturii", "data facturarii"},
		"sv": {"fakturadatum", "datum"},
		"da": {"fakturadato", "dato"},
		"no": {"fakturadato", "dato"},
		"tr": {"fatura tarihi", "tarih", "duzenleme tarihi", "belge tarihi", "islem tarihi"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"発 行 日", "請 求 日", "発 行 年 月 日", "請 求 書 発 行 日", "日 付", "作 成 日", "見 積 日", "領 収 日"},
	},
	fDueDate: {
		"en": {"deadline", "payment deadline", "invoice due date", "due date", "payment due", "payment due date", "due by", "due on", "due", "pay by", "payable by", "please pay by", "date due", "payment date due", "due date for payment", "remit by", "payment deadline", "expiry date", "valid until", "expires"},
		"de": {"falligkeit", "falligkeitsdatum", "fallig am", "fallig bis", "zahlbar bis", "zahlungsziel", "zahlungsfrist", "zahlbar am", "bitte zahlen bis", "gultig bis"},
		"fr": {"date d echeance", "echeance", "date limite de paiement", "a payer avant le", "payable avant le", "date limite de reglement", "valable jusqu au"},
		"nl": {"vervaldatum", "vervaldag", "uiterste betaaldatum", "te betalen voor", "betalen voor", "geldig tot"},
		"es": {"fecha de vencimiento de pago", "fecha de vencimiento del pago", "vencimiento del pago", "fecha de vencimiento", "vencimiento", "fecha vencimiento", "fecha limite de pago", "valido hasta"},
		"it": {"scadenza", "data scadenza", "data di scadenza", "scadenza pagamento"},
		"pl": {"termin platnosci", "termin zaplaty", "data platnosci"},
		"pt": {"data de vencimento", "vencimento", "vencto", "data limite de pagamento", "valido ate"},
		"cs": {"datum splatnosti", "splatnost", "splatno"},
		"fi": {"erapaiva", "erapvm", "maksettava viimeistaan"},
		"hu": {"fizetesi hatarido", "esedekesseg", "hatarido"},
		"ro": {"scadenta", "data scadentei", "termen de plata", "data scadenta"},
		"sv": {"forfallodatum", "forfallodag", "betalas senast"},
		"da": {"forfaldsdato", "betalingsfrist", "betales senest"},
		"no": {"forfallsdato", "forfall", "forfallsdag", "betalingsfrist"},
		"tr": {"son odeme tarihi", "vade tarihi", "vade", "odeme tarihi"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"支 払 期 限", "お 支 払 期 限", "お 支 払 い 期 限", "支 払 い 期 限", "支 払 期 日", "お 支 払 期 日", "振 込 期 限", "お 振 込 期 限", "有 効 期 限", "お 支 払 い 期 日"},
	},
	fPaidDate: {
		"en": {"paid on", "payment date", "date paid", "date of payment", "payment received on", "paid", "received on", "payment made on"},
		"de": {"bezahlt am", "zahlungsdatum", "zahlungseingang", "bezahlt"},
		"fr": {"paye le", "date de paiement", "date de reglement", "regle le"},
		"nl": {"betaald op", "betaaldatum", "datum betaling"},
		"es": {"fecha de pago", "pagado el"},
		"it": {"data pagamento", "data di pagamento", "pagato il"},
		"pl": {"data zaplaty", "zaplacono dnia"},
		"pt": {"data de pagamento", "pago em"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"入 金 日", "支 払 日", "お 支 払 日"},
	},
	fOtherDate: {
		"en": {"order date", "delivery date", "ship date", "shipping date", "date of supply", "service date", "service period", "period", "billing period", "date of service", "start date", "end date", "due date of previous", "period start", "period end", "date of delivery", "supply date"},
		"de": {"lieferdatum", "leistungsdatum", "leistungszeitraum", "bestelldatum", "auftragsdatum", "liefertermin", "zeitraum"},
		"fr": {"date de commande", "date de livraison", "periode", "date de prestation"},
		"nl": {"leverdatum", "besteldatum", "periode", "leveringsdatum"},
		"es": {"fecha de pedido", "fecha de entrega", "periodo", "fecha de servicio"},
		"it": {"data ordine", "data consegna", "periodo", "data ddt"},
		"pl": {"data sprzedazy", "data dostawy", "data wykonania uslugi", "okres"},
		"pt": {"data do pedido", "data de entrega", "periodo"},
		"cs": {"datum zdanitelneho plneni", "duzp", "datum uskutecneni plneni"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"納 品 日", "納 期", "出 荷 日", "注 文 日"},
	},
	fGrandTotal: {
		"en": {"grand total", "invoice total", "total amount", "total incl vat", "total including vat", "total inc vat", "total incl tax", "total with vat", "total paid with vat",
			"total including tax", "total incl gst", "total inc gst", "total gbp", "total usd", "total eur", "total charges", "total invoice amount", "total value", "invoice amount", "new charges", "total current charges", "total gross", "gross total", "gross amount", "total invoice", "order total", "total price"},
		"de": {"gesamtbetrag", "rechnungsbetrag", "endbetrag", "bruttobetrag", "gesamtsumme", "rechnungssumme", "summe brutto", "gesamt brutto", "brutto", "gesamtbetrag brutto", "rechnungsendbetrag", "total brutto", "bruttosumme", "gesamtsumme inkl ust", "rechnungsbetrag brutto", "summe inkl mwst", "gesamt inkl mwst", "gesamtpreis",
			"netto inkl mwst", "betrag inkl mwst", "total inkl mwst", "summe inkl ust", "gesamt inkl ust", "betrag inkl ust", "total inkl ust"},
		"fr": {"total ttc", "total net ttc", "net ttc", "montant ttc", "montant total", "total facture", "montant total ttc", "total general", "total de la facture"},
		"nl": {"totaalbedrag", "totaal incl btw", "totaal inclusief btw", "factuurbedrag", "eindtotaal", "totaal bedrag", "factuur totaal", "factuurtotaal", "totaal incl"},
		"es": {"total factura", "importe total", "total con iva", "total general", "total de la factura", "precio venta", "precio de venta", "importe total de la venta"},
		"it": {"totale fattura", "importo totale", "importo totale documento", "totale documento", "totale complessivo", "totale ivato"},
		"pl": {"wartosc brutto", "razem brutto", "ogolem", "kwota brutto"},
		"pt": {"valor total", "total da fatura", "valor total da nota", "total geral", "total com iva"},
		"cs": {"celkem k uhrade", "celkova castka", "celkem vcetne dph"},
		"fi": {"yhteensa", "laskun summa", "kokonaissumma"},
		"hu": {"vegosszeg", "brutto osszesen", "fizetendo vegosszeg"},
		"ro": {"total de plata", "total factura"},
		"sv": {"totalt", "totalbelopp"},
		"da": {"i alt", "total inkl moms"},
		"no": {"totalt", "total inkl mva", "sum inkl mva"},
		"tr": {"genel toplam", "toplam tutar", "vergiler dahil toplam tutar", "kdv dahil toplam"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"総 合 計", "合 計 金 額", "税 込 合 計", "総 額", "税 込 金 額"},
	},
	fToPay: {
		"en": {"total amount due", "total due", "amount due", "amount payable", "total payable", "total to pay", "total amount payable", "payment amount", "amount to be paid", "please pay this amount", "amount due usd", "due payable", "payable amount", "total amount to pay", "amount to pay"},
		"de": {"zahlbetrag", "zu zahlender betrag", "zu zahlen", "zahlbetrag brutto", "bitte zahlen sie"},
		"fr": {"net a payer", "total a payer", "montant a payer", "somme a payer", "montant du"},
		"nl": {"te betalen", "totaal te betalen", "te voldoen", "nog te voldoen"},
		"es": {"total a pagar", "importe a pagar"},
		"it": {"totale da pagare", "netto a pagare", "importo da pagare"},
		"pl": {"do zaplaty", "razem do zaplaty", "kwota do zaplaty"},
		"pt": {"total a pagar", "valor a pagar"},
		"cs": {"k uhrade", "castka k uhrade", "zbyva uhradit"},
		"fi": {"maksettava", "maksettava yhteensa", "maksettavaa"},
		"hu": {"fizetendo", "fizetendo osszeg"},
		"ro": {"de plata", "suma de plata"},
		"sv": {"att betala", "belopp att betala"},
		"da": {"at betale", "belob at betale"},
		"no": {"a betale", "sum a betale", "belop a betale"},
		"tr": {"odenecek tutar", "odenecek toplam"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"請 求 金 額", "ご 請 求 金 額", "ご 請 求 額", "お 支 払 金 額", "お 支 払 い 金 額", "お 支 払 額"},
	},
	fTotal: {
		"en": {"total", "amount", "totals", "sum", "charges"},
		"de": {"summe", "gesamt", "betrag", "total"},
		"fr": {"total", "montant"},
		"nl": {"totaal", "bedrag"},
		"es": {"importe"},
		"it": {"totale", "importo"},
		"pl": {"razem", "suma", "kwota"},
		"pt": {"valor"},
		"cs": {"celkem", "castka"},
		"fi": {"summa"},
		"hu": {"osszesen", "osszeg"},
		"sv": {"summa", "belopp"},
		"da": {"belob"},
		"no": {"belop", "sum"},
		"tr": {"toplam", "tutar"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"合 計", "計"},
	},
	fSubtotal: {
		"en": {"subtotal", "sub total", "net amount", "net total", "total excl vat", "total excluding vat", "total ex vat", "total excl tax", "total before tax", "total net", "net", "total excl gst", "amount excl vat", "taxable amount", "total net amount", "net value", "total without vat", "total without tax", "amount before tax", "total before vat"},
		"de": {"zwischensumme", "nettobetrag", "netto", "summe netto", "gesamt netto", "nettosumme", "gesamtbetrag netto", "warenwert", "summe positionen", "total netto", "rechnungsbetrag netto", "rechnungssumme ohne ust", "positionssumme", "summe der positionen", "gesamt netto", "nettowert", "summe netto"},
		"fr": {"total net ht", "total ht", "montant ht", "sous total", "total hors taxes", "montant hors taxes", "net ht", "base ht"},
		"nl": {"subtotaal", "totaal excl btw", "totaal exclusief btw", "netto", "bedrag excl btw", "totaal ex btw"},
		"es": {"subtotal", "base imponible", "importe neto", "total sin iva", "neto", "total parcial", "suma parcial", "op gravadas", "operaciones gravadas", "total op gravadas", "valor venta", "valor de venta"},
		"it": {"subtotale", "imponibile", "totale imponibile", "netto", "totale netto", "totale parziale"},
		"pl": {"wartosc netto", "razem netto", "netto", "suma netto"},
		"pt": {"subtotal", "valor liquido", "base tributavel", "total sem iva", "total liquido", "incidencia", "total parcial"},
		"fi": {"veroton summa", "valisumma", "veroton hinta"},
		"hu": {"netto osszesen", "reszosszeg"},
		"ro": {"total fara tva", "valoare fara tva"},
		"sv": {"delsumma", "summa exkl moms"},
		"da": {"i alt ekskl moms"},
		"no": {"mva grunnlag", "sum eks mva", "grunnlag"},
		"tr": {"ara toplam", "mal hizmet toplam tutari", "kdv haric toplam", "matrah"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"小 計", "税 抜 合 計", "税 抜 金 額"},
	},
	fTax: {
		"en": {"tax", "vat", "gst", "sales tax", "total vat", "total tax", "vat amount", "tax amount", "hst", "pst", "qst", "total gst", "igst", "cgst", "sgst", "tax total", "vat paid", "tax paid", "vat total"},
		"de": {"mwst", "mehrwertsteuer", "ust", "umsatzsteuer", "zzgl mwst", "zzgl ust", "enthaltene mwst", "inkl mwst", "mwst betrag", "steuer", "zzgl umsatzsteuer", "darin enthaltene ust", "steuerbetrag", "ust gesamt", "mwst gesamt", "zuzuglich ust", "umsatzsteuerbetrag"},
		"fr": {"tva", "montant tva", "total tva", "taxes"},
		"nl": {"btw", "btw bedrag", "totaal btw"},
		"es": {"iva", "cuota iva", "total iva", "impuestos", "igic", "total impuestos", "igv", "total igv"},
		"it": {"iva", "totale iva", "imposta", "iva 22"},
		"pl": {"vat", "kwota vat", "podatek vat", "wartosc vat"},
		"pt": {"iva", "icms", "valor do iva", "impostos", "total iva"},
		"fi": {"alv", "arvonlisavero"},
		"hu": {"afa", "afa osszeg"},
		"ro": {"tva", "valoare tva"},
		"sv": {"moms", "mervardesskatt"},
		"da": {"moms"},
		"no": {"mva", "merverdiavgift"},
		"tr": {"kdv", "toplam kdv", "topkdv", "hesaplanan kdv", "kdv tutari"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"消 費 税", "消 費 税 等", "消 費 税 額", "税 額", "内 消 費 税"},
	},
	fPaid: {
		"en": {"amount paid", "paid", "payment", "payments", "payment received", "total paid", "paid amount", "payments credits", "less payment", "deposit paid", "paid to date", "payment made", "tendered", "cash", "visa", "mastercard", "card payment", "amount received", "amount charged", "total charged", "charged"},
		"de": {"bezahlt", "bereits bezahlt", "gezahlt", "erhaltene zahlung", "geleistete zahlung", "bar", "gegeben", "ec karte", "kartenzahlung"},
		"fr": {"montant paye", "deja paye", "paye", "acompte", "reglement", "acompte verse", "montant regle", "montant deja paye", "montant deja regle", "deja regle"},
		"nl": {"betaald", "reeds betaald", "ontvangen", "voldaan"},
		"es": {"pagado", "importe pagado", "cobrado", "entregado"},
		"it": {"pagato", "importo pagato", "acconto"},
		"pl": {"zaplacono", "wplacono", "zaplacono gotowka"},
		"pt": {"pago", "valor pago", "montante pago"},
		"tr": {"nakit", "kredi karti", "kart", "odenen"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"お 預 り", "お 預 か り", "入 金 額"},
	},
	fBalance: {
		"en": {"balance due", "balance", "amount outstanding", "outstanding", "outstanding balance", "balance outstanding", "remaining balance", "balance remaining", "please pay", "due now", "amount to pay", "total balance due", "balance payable", "current balance", "left to pay", "balance due usd", "balance to pay",
			"closing balance", "new balance", "ending balance", "statement balance"},
		"de": {"offener betrag", "restbetrag", "noch zu zahlen", "offener saldo", "saldo", "verbleibender betrag", "noch offen", "neuer saldo", "endsaldo", "schlusssaldo"},
		"fr": {"reste a payer", "solde", "solde du", "montant restant", "restant du", "solde a payer", "nouveau solde", "solde final"},
		"nl": {"openstaand", "openstaand bedrag", "saldo", "nog te betalen", "resterend bedrag", "nieuw saldo", "eindsaldo"},
		"es": {"saldo", "importe pendiente", "saldo pendiente", "pendiente de pago", "saldo final", "nuevo saldo", "saldo adeudado", "importe adeudado"},
		"it": {"saldo", "residuo", "importo residuo", "da saldare", "saldo finale", "nuovo saldo"},
		"pl": {"pozostalo do zaplaty", "do zaplaty pozostalo", "saldo", "saldo koncowe"},
		"pt": {"saldo", "valor em aberto", "saldo devedor", "em aberto", "saldo final"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"差 引 残 高", "残 高", "未 払 金 額"},
	},
	fOtherAmount: {
		"en": {"discount", "shipping", "shipping handling", "delivery", "freight", "deposit", "unit price", "price", "rate", "qty", "quantity", "change", "tip", "rounding", "previous balance", "opening balance", "beginning balance", "late fee", "fee", "credit", "credits", "adjustment", "line total", "hours", "vat rate", "tax rate"},
		"de": {"rabatt", "skonto", "versand", "versandkosten", "einzelpreis", "preis", "menge", "anzahl", "ruckgeld", "stuckpreis", "e preis", "vorauszahlung", "gesamtbetrag der zuschlage", "gesamtbetrag der abschlage", "erhaltene anzahlungen", "basisbetrag", "nettopreis", "bruttopreis", "abschlag", "zuschlag", "gegeben", "bar"},
		"fr": {"remise", "frais de port", "livraison", "prix unitaire", "prix", "quantite", "qte", "escompte"},
		"nl": {"korting", "verzendkosten", "prijs", "stukprijs", "aantal"},
		"es": {"descuento", "envio", "precio unitario", "precio", "cantidad", "portes"},
		"it": {"sconto", "spedizione", "prezzo unitario", "prezzo", "quantita", "trasporto"},
		"pl": {"rabat", "cena jednostkowa", "cena", "ilosc", "cena netto", "wysylka"},
		"pt": {"desconto", "frete", "portes", "preco unitario", "preco", "quantidade"},
		"tr": {"para ustu", "indirim", "birim fiyat", "miktar", "adet"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"お 釣 り", "お つ り", "単 価", "数 量", "値 引", "送 料", "手 数 料"},
	},
	fSeller: {
		"en": {"contractor", "from", "vendor", "supplier", "seller", "biller", "sold by", "issued by", "bill from", "billed by", "billed from", "invoice from", "payee", "remit to", "remit payment to", "pay to", "make checks payable to", "checks payable to", "make check payable to", "check payable to", "make cheques payable to", "cheques payable to", "payable to", "merchant", "provider", "service provider", "company", "beneficiary", "account name", "account holder", "seller information", "supplier details"},
		"de": {"verkaufer", "lieferant", "rechnungssteller", "rechnungsersteller", "aussteller", "inhaber", "absender", "auftragnehmer", "leistungserbringer", "anbieter", "zahlungsempfanger", "kontoinhaber", "empfanger der zahlung"},
		"fr": {"vendeur", "fournisseur", "emetteur", "prestataire", "beneficiaire", "titulaire du compte", "expediteur"},
		"nl": {"leverancier", "verkoper", "afzender", "begunstigde", "ten name van", "tnv", "crediteur"},
		"es": {"proveedor", "emisor", "vendedor", "emitido por", "prestador", "beneficiario", "titular"},
		"it": {"fornitore", "cedente", "cedente prestatore", "venditore", "emittente", "prestatore", "beneficiario", "intestatario"},
		"pl": {"sprzedawca", "wystawca", "dostawca", "sprzedajacy", "odbiorca platnosci"},
		"pt": {"prestador", "emitente", "fornecedor", "vendedor", "prestador de servicos", "beneficiario", "titular"},
		"cs": {"dodavatel", "prodejce", "vystavil", "prodavajici", "poskytovatel"},
		"fi": {"myyja", "laskuttaja", "toimittaja"},
		"hu": {"elado", "szallito", "kiallito"},
		"ro": {"furnizor", "vanzator", "emitent"},
		"sv": {"saljare", "leverantor", "avsandare"},
		"da": {"saelger", "leverandor", "afsender"},
		"no": {"selger", "avsender"},
		"tr": {"satici", "duzenleyen"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"発 行 者", "販 売 者", "請 求 元"},
	},
	fBuyer: {
		"en": {"recipient", "bill to", "billed to", "billing to", "invoice to", "invoiced to", "ship to", "shipped to", "sold to", "deliver to", "delivery address", "billing address", "shipping address",
			"customer", "client", "buyer", "recipient", "attention", "attn", "to", "customer details", "client details", "bill to address", "purchaser", "invoice address", "for", "payer", "account holder name", "customer name", "invoice for", "ordered by", "sold to party", "consignee"},
		"de": {"rechnungsempfanger", "rechnungsadresse", "kunde", "kaufer", "empfanger", "lieferadresse", "lieferanschrift", "rechnungsanschrift", "auftraggeber", "leistungsempfanger", "an", "bestellt von", "besteller", "rechnung an", "lieferung an", "kaufer leistungsempfanger", "warenempfanger"},
		"fr": {"client", "facture a", "facturer a", "adresse de facturation", "destinataire", "acheteur", "livre a", "adresse de livraison", "a l attention de"},
		"nl": {"klant", "afnemer", "factuuradres", "aan", "koper", "afleveradres", "ontvanger", "debiteur"},
		"es": {"cliente", "facturar a", "comprador", "destinatario", "direccion de facturacion", "direccion de envio", "enviar a", "receptor", "senor es", "senores", "sr es", "srs", "razon social del cliente", "adquiriente"},
		"it": {"cliente", "cessionario", "cessionario committente", "destinatario", "committente", "spett le", "spett", "acquirente", "intestato a"},
		"pl": {"nabywca", "odbiorca", "kupujacy", "platnik"},
		"pt": {"cliente", "tomador", "destinatario", "adquirente", "comprador", "faturar a", "tomador de servicos"},
		"cs": {"odberatel", "kupujici", "prijemce", "objednatel"},
		"fi": {"ostaja", "asiakas", "laskutusosoite", "vastaanottaja"},
		"hu": {"vevo", "megrendelo", "vasarlo"},
		"ro": {"cumparator", "beneficiar"},
		"sv": {"kund", "kopare", "mottagare", "fakturaadress"},
		"da": {"kunde", "kober", "modtager", "faktureringsadresse"},
		"no": {"kjoper", "mottaker", "fakturaadresse"},
		"tr": {"alici", "sayin", "musteri"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"請 求 先", "宛 先", "お 客 様"},
	},
	fTerms: {
		"en": {"payment terms", "terms", "terms of payment", "payment term", "terms and conditions", "payment method", "method of payment", "paid by", "payment type"},
		"de": {"zahlungsbedingungen", "zahlungsbedingung", "zahlungsziel", "zahlungsart", "zahlungsweise"},
		"fr": {"conditions de paiement", "conditions de reglement", "mode de paiement", "modalites de paiement", "mode de reglement"},
		"nl": {"betalingstermijn", "betalingsvoorwaarden", "betalingsconditie", "betaaltermijn"},
		"es": {"condiciones de pago", "forma de pago", "plazo de pago", "metodo de pago"},
		"it": {"condizioni di pagamento", "modalita di pagamento", "termini di pagamento", "pagamento"},
		"pl": {"sposob platnosci", "forma platnosci", "warunki platnosci"},
		"pt": {"condicoes de pagamento", "forma de pagamento", "prazo de pagamento", "meio de pagamento"},
		"tr": {"odeme sekli", "odeme kosullari"},
		// Japanese: one character per word, as Fold writes CJK.
		"ja": {"支 払 条 件", "お 支 払 方 法", "支 払 方 法", "お 振 込 先", "振 込 先"},
	},
}

// kindTitles maps a document kind to the titles that name it. A title
// names the document only in its heading lines; the body may mention any
// of them.
var kindTitles = map[string][]string{
	KindCreditNote: {"hyvityslasku", "jovairo szamla", "helyesbito szamla", "storno szamla", "factura storno", "nota de credit", "kreditfaktura", "kreditnota", "cancellation invoice", "invoice cancellation", "storno", "stornierung", "facture d annulation", "credit note", "credit memo", "credit invoice", "gutschrift", "rechnungskorrektur", "stornorechnung", "avoir", "facture d avoir", "note de credit",
		"creditnota", "creditfactuur", "nota de credito", "factura rectificativa", "nota di credito", "faktura korygujaca", "korekta", "nota de credito", "iade faturasi", "opravny danovy doklad", "dobropis"},
	KindPurchaseOrder: {"ostotilaus", "megrendeles", "comanda", "bestallning", "indkobsordre", "purchase order", "bestellung", "bon de commande", "bestelbon", "inkooporder", "orden de compra", "ordine di acquisto", "zamowienie", "pedido de compra", "order confirmation",
		"objednavka", "auftragsbestatigung", "confirmation de commande", "orderbevestiging", "confirmacion de pedido", "conferma d ordine", "potwierdzenie zamowienia", "注 文 書", "発 注 書"},
	KindNote:    {"memo", "memorandum", "meeting notes", "minutes", "aktennotiz", "gesprachsnotiz", "note de service", "compte rendu", "notulen", "verslag", "acta", "verbale", "notatka"},
	KindPayment: {"maksuvahvistus", "fizetesi igazolas", "confirmare de plata", "betalningsbekraftelse", "betalingsbekraeftelse", "credit card receipt", "card receipt", "credit card slip", "kartenbeleg", "payment confirmation", "remittance advice", "confirmation of payment", "zahlungsbestatigung", "avis de paiement", "recu de paiement", "betalingsbevestiging", "confirmacion de pago", "conferma di pagamento", "potwierdzenie platnosci", "comprovante de pagamento"},
	KindQuote:   {"tarjous", "arajanlat", "oferta de pret", "offert", "tilbud", "quotation", "quote", "estimate", "proposal", "angebot", "kostenvoranschlag", "devis", "offerte", "presupuesto", "preventivo", "oferta", "orcamento", "proforma", "pro forma", "pro forma invoice", "proforma invoice", "見 積 書", "御 見 積 書", "お 見 積 書", "teklif", "fiyat teklifi", "nabidka", "cenova nabidka"},
	KindReceipt: {"kuitti", "nyugta", "chitanta", "bon fiscal", "kvitto", "kvittering", "receipt", "sales receipt", "payment receipt", "cash receipt", "quittung", "kassenbon", "kassenbeleg", "zahlungsbeleg", "recu", "ticket de caisse", "kwitantie", "kassabon",
		// a simplified invoice is the till's: no buyer, paid on the spot
		"simplified tax invoice", "simplified invoice", "factura simplificada", "fatura simplificada", "fattura semplificata", "kleinbetragsrechnung",
		"recibo", "ticket", "ricevuta", "scontrino", "paragon", "paragon fiskalny", "potwierdzenie zaplaty", "cupom fiscal",
		"nota fiscal de consumidor", "documento auxiliar da nota fiscal de consumidor", "nfc e", "documento auxiliar da nfc e", "領 収 書", "領 収 証", "レ シ ー ト", "satis fisi", "bilgi fisi", "makbuz", "tahsilat makbuzu", "uctenka", "pokladni doklad", "prijmovy pokladni doklad"},
	KindStatement: {"tiliote", "szamlakivonat", "extras de cont", "kontoutdrag", "kontoudtog", "statement", "account statement", "statement of account", "kontoauszug", "releve de compte", "releve", "rekeningoverzicht", "estado de cuenta", "estratto conto", "wyciag", "extrato", "vypis z uctu"},
	KindInvoice: {"lasku", "szamla", "factura fiscala", "invoice", "tax invoice", "vat invoice", "commercial invoice", "bill", "rechnung", "facture", "factuur", "factura", "fattura", "faktura", "faktura vat", "nota fiscal", "fatura", "danovy doklad", "faktura danovy doklad",
		// a debit note asks for more: an invoice
		"debit note", "nota de debito", "nota de debito electronica", "note de debit", "nota di debito", "nota debetowa", "belastungsanzeige",
		"fatura recibo", "invoice receipt", "handelsrechnung", "kopie factuur", "copy invoice", "invoice copy", "duplicate invoice", "rechnungskopie", "rechnung kopie", "steuerrechnung", "facture acquittee", "utility bill", "your bill", "billing statement", "nota fiscal de servicos", "nota fiscal eletronica", "danfe", "danfse", "nf e", "nfs e", "documento auxiliar da nfs e", "documento auxiliar da nota fiscal", "rachunek", "請 求 書", "御 請 求 書", "請 求 明 細 書", "e fatura", "e arsiv fatura", "satis faturasi"},
	KindContract: {"agreement", "contract", "service agreement", "vertrag", "contrat", "overeenkomst", "contrato", "contratto", "umowa", "terms of service", "契 約 書"},
}

// numberKinds are the kinds whose title, with a number word, labels the
// document's own number ("Numéro de devis", "Statement Number",
// "Nr. avoir"). An order's or a contract's number on an invoice names
// another document.
var numberKinds = []string{KindInvoice, KindCreditNote, KindQuote, KindReceipt, KindStatement}

// numberPatterns put a number word before or after a title, as the
// languages read write it (%s is the title).
var numberPatterns = []string{"%s no", "%s nr", "%s number", "%s num", "%s n", "%s numero", "%s nummer", "%s cislo", "%s id",
	"numero de %s", "numero da %s", "numero do %s", "numero del %s", "numero della %s", "no de %s", "no du %s", "no da %s", "n de %s", "n du %s",
	"numer %s", "nr %s", "cislo %s", "numar %s", "%snummer", "%snr", "%snumero"}

// numberLabels are the document-number labels made from the titles of
// numberKinds and numberPatterns, so that every title the lexicon knows
// has its number label in every language's word order. Titles of more
// than two words are left out.
func numberLabels() []string {
	var out []string
	for _, k := range numberKinds {
		for _, t := range kindTitles[k] {
			if strings.Count(t, " ") > 1 || len(t) < 4 {
				continue
			}
			for _, p := range numberPatterns {
				if strings.Contains(t, " ") && !strings.Contains(p, " ") {
					continue // no compounds of two words
				}
				out = append(out, fmt.Sprintf(p, t))
			}
		}
	}
	return out
}

// kindOrder is the order in which kinds are tried on one heading: the more
// specific first ("credit note" before "invoice", "proforma invoice" is a
// quote, "invoice receipt" an invoice).
var kindOrder = []string{KindNote, KindCreditNote, KindPayment, KindPurchaseOrder, KindQuote, KindInvoice, KindReceipt, KindStatement, KindContract}

// lexEntry is one folded label.
type lexEntry struct {
	phrase, field, lang string
	words               int
}

// lexicon holds every label, longest first (built on first use, not at
// every program start).
var lexicon = sync.OnceValue(func() []lexEntry {
	var out []lexEntry
	known := map[string]bool{}
	for field, byLang := range labels {
		for lang, ps := range byLang {
			for _, p := range ps {
				out = append(out, lexEntry{phrase: p, field: field, lang: lang, words: len(strings.Fields(p))})
				known[p] = true
			}
		}
	}
	for _, p := range numberLabels() {
		if !known[p] {
			out = append(out, lexEntry{phrase: p, field: fInvoiceNo, words: len(strings.Fields(p))})
			known[p] = true
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].phrase) != len(out[j].phrase) {
			return len(out[i].phrase) > len(out[j].phrase)
		}
		if out[i].phrase != out[j].phrase {
			return out[i].phrase < out[j].phrase
		}
		return out[i].field < out[j].field
	})
	return out
})

// labelIndex maps a label's first word to its entries, longest first.
var labelIndex = sync.OnceValue(func() map[string][]lexEntry {
	m := map[string][]lexEntry{}
	for _, e := range lexicon() {
		w := strings.Fields(e.phrase)[0]
		m[w] = append(m[w], e)
	}
	return m
})

var foldMap = map[rune]string{
	'ä': "a", 'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'å': "a", 'ą': "a", 'æ': "ae",
	'ç': "c", 'ć': "c", 'č': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ę': "e", 'ě': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n",
	'ö': "o", 'ó': "o", 'ò': "o", 'ô': "o", 'õ': "o", 'ø': "o", 'œ': "oe",
	'ß': "ss", 'ś': "s", 'š': "s", 'ü': "u", 'ú': "u", 'ù': "u", 'û': "u", 'ů': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z", 'ř': "r", 'ť': "t", 'ď': "d",
	'°': "o", 'º': "o", '№': "no",
	// letters that no decomposition takes apart (foldLatin does the rest)
	'ı': "i", 'đ': "d", 'ð': "d", 'ħ': "h", 'ŧ': "t", 'þ': "th", 'ŀ': "l",
}

// foldRune is the plain spelling of a lower-case rune foldMap or
// foldLatin knows ("é" → "e", "ß" → "ss", "ş" → "s").
func foldRune(r rune) (string, bool) {
	if f, ok := foldMap[r]; ok {
		return f, true
	}
	f, ok := foldLatin()[r]
	return f, ok
}

// foldLatin folds every other accented Latin letter ("ş", "ț", "ő", "ğ",
// "ā") to its base letter by Unicode decomposition, built once on first
// use.
var foldLatin = sync.OnceValue(func() map[rune]string {
	m := map[rune]string{}
	for _, rng := range [][2]rune{{0x00c0, 0x024f}, {0x1e00, 0x1eff}} {
		for r := rng[0]; r <= rng[1]; r++ {
			lr := unicode.ToLower(r)
			if _, ok := foldMap[lr]; ok {
				continue
			}
			var base strings.Builder
			for _, b := range norm.NFD.String(string(lr)) {
				if b < 128 && b >= 'a' && b <= 'z' {
					base.WriteRune(b)
				}
			}
			if base.Len() > 0 {
				m[lr] = base.String()
			}
		}
	}
	return m
})

// spacingAccents are accents printed as characters of their own: TeX's
// PDFs put them before the letter they sit on ("Num´ero", "d´ej`a").
const spacingAccents = "\u00b4\u0060\u02c6\u00a8\u02dc\u00b8\u02c7\u02d8\u02d9\u02da\u02dd\u02db"

// Fold lower-cases s, removes diacritics (combining marks and spacing
// accents are dropped) and turns every run of other characters into one
// space, remembering for each folded byte the byte offset in s it came
// from (pos has len(folded)+1 entries). "N° de facture:" folds to "no de
// facture"; "#" folds to "no".
func Fold(s string) (folded string, pos []int) {
	var sb strings.Builder
	space := true
	skip := -1 // a space TeX put between an accented letter and the rest of its word
	for i, r := range s {
		if i == skip {
			continue
		}
		var rep string
		switch {
		case r == '#' && numberSignAt(s, i):
			rep = "no"
		case r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			rep = string(r)
		case r < 128 && r >= 'A' && r <= 'Z':
			rep = string(r + 32)
		case unicode.Is(unicode.Mn, r) || strings.ContainsRune(spacingAccents, r):
			// A combining mark (NFD "c\u030c"), or TeX's accent set
			// before its letter ("Num´ero"): the letter is what counts.
			// A cedilla set after its letter may leave a space inside
			// the word ("REC¸ U"): the space goes too.
			if j := i + utf8.RuneLen(r); r == '\u00b8' && !space && j+1 < len(s) && s[j] == ' ' && isLetter(s[j+1]) {
				skip = j
			}
			continue
		case r >= 0xff01 && r <= 0xff5e:
			// Full-width forms of ASCII ("２０２５", "：", "＃") are
			// what Japanese and Chinese documents type.
			if a := unicode.ToLower(r - 0xfee0); a >= 'a' && a <= 'z' || a >= '0' && a <= '9' {
				rep = string(a)
			}
		case IsCJK(r):
			// Chinese and Japanese write no spaces: each character is a
			// word of its own, and labels are written so ("請 求 書").
			if !space {
				sb.WriteByte(' ')
				pos = append(pos, i)
			}
			sb.WriteRune(r)
			for range utf8.RuneLen(r) {
				pos = append(pos, i)
			}
			sb.WriteByte(' ')
			pos = append(pos, i+utf8.RuneLen(r))
			space = true
			continue
		default:
			lr := unicode.ToLower(r)
			if f, ok := foldRune(lr); ok {
				rep = f
			} else if unicode.IsLetter(lr) || unicode.IsDigit(lr) {
				rep = string(lr)
			}
		}
		if rep == "" {
			if !space {
				sb.WriteByte(' ')
				pos = append(pos, i)
				space = true
			}
			continue
		}
		if rep == "no" && r == '#' && !space {
			sb.WriteByte(' ')
			pos = append(pos, i)
		}
		for k := 0; k < len(rep); k++ {
			pos = append(pos, i)
		}
		sb.WriteString(rep)
		space = false
		if rep == "no" && r == '#' || r == '°' || r == 'º' || r == '№' {
			sb.WriteByte(' ') // "n°562" → "no 562"
			pos = append(pos, i)
			space = true
		}
	}
	out := sb.String()
	if strings.HasSuffix(out, " ") {
		out = out[:len(out)-1]
		pos = pos[:len(pos)-1]
	}
	pos = append(pos, len(s))
	return out, pos
}

// IsCJK reports a Han, Hiragana or Katakana character (or the prolonged
// sound mark "ー" they share).
func IsCJK(r rune) bool {
	return r >= 0x3040 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー')
}

// endsWithPreposition reports a label such as "issued by", "bill to",
// "facturé à": the name follows it without a colon.
func endsWithPreposition(phrase string) bool {
	ws := strings.Fields(phrase)
	switch ws[len(ws)-1] {
	case "by", "from", "to", "von", "an", "par", "a", "door", "aan", "da", "przez", "por", "de", "pour":
		return len(ws) > 1
	}
	return false
}

// numberSignAt reports whether the '#' at i is a number sign ("Invoice
// #12", "# 12", "No#:") rather than Markdown or decoration.
func numberSignAt(s string, i int) bool {
	j := i + 1
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ':' || s[j] >= 'A' && s[j] <= 'Z' && i > 0 && s[i-1] == ' ')
}

// fold is Fold without the offsets.
func fold(s string) string {
	f, _ := Fold(s)
	return f
}

// labelHit is a label found in a cell: the field, the folded phrase and
// where the label ends in the cell's text (its value starts there).
type labelHit struct {
	field, phrase, lang string
	start, end          int // byte offsets in the cell text
}

// findLabels returns the labels in a cell's text at word boundaries, left
// to right, longest first where they overlap. Only labels that start the
// cell or follow a label's value (a second "Date:" in "No: 12 Date: 3.4.25")
// count: a label word in the middle of a sentence is not a label, unless
// it ends with a colon.
func findLabels(text string) []labelHit {
	f, pos := Fold(text)
	var out []labelHit
	words := wordStarts(f)
	for wi, ws := range words {
		w := f[ws:]
		if k := strings.IndexByte(w, ' '); k >= 0 {
			w = w[:k]
		}
		for _, e := range labelIndex()[w] {
			if !strings.HasPrefix(f[ws:], e.phrase) {
				continue
			}
			end := ws + len(e.phrase)
			if end < len(f) && f[end] != ' ' {
				continue
			}
			origEnd := pos[end]
			if end < len(f) {
				origEnd = pos[end]
			} else {
				origEnd = len(text)
			}
			origStart := pos[ws]
			// "INV/2019/0013", "RE-2025-7": a label glued to the number is
			// the number.
			if origEnd+1 < len(text) && strings.IndexByte("/-_", text[origEnd]) >= 0 && isAlnumByte(text[origEnd+1]) {
				continue
			}
			colon := followedByColon(text, origEnd)
			if wi > 0 && !colon {
				break
			}
			// "Summe inkl. USt:", "Total excl. VAT:": a tax word after a
			// qualifier belongs to the label before it.
			if wi > 0 && qualifierWord[lastWord(f[:ws])] {
				break
			}
			// A label followed by more words before its colon is the start
			// of a longer label we do not know ("Date de facture associée:",
			// "Invoice date of the order:"): not this field.
			if e.field != fTotal && e.field != fGrandTotal && e.field != fToPay && e.field != fSubtotal {
				if k := strings.IndexAny(text[origEnd:], ":："); k >= 0 {
					between := strings.TrimSpace(text[origEnd : origEnd+k])
					if hasLetterOutsideParens(between) && !strings.HasSuffix(strings.TrimSpace(text[:origEnd+k]), ".") {
						if !strings.ContainsAny(between, "0123456789") && len(strings.Fields(between)) <= 4 {
							continue
						}
					}
				}
			}
			// A party label heads a block or is followed by a colon:
			// "Lieferant GmbH" is a name, "Lieferant:" a label.
			if (e.field == fSeller || e.field == fBuyer) && !colon && strings.TrimSpace(f[end:]) != "" && !endsWithPreposition(e.phrase) {
				continue
			}
			out = append(out, labelHit{field: e.field, phrase: e.phrase, lang: e.lang, start: origStart, end: origEnd})
			break
		}
	}
	if len(out) == 0 {
		if h, ok := misreadLabel(text, f, pos); ok {
			out = append(out, h)
		}
	}
	// Drop hits inside an earlier hit.
	var kept []labelHit
	for _, h := range out {
		if len(kept) > 0 && h.start < kept[len(kept)-1].end {
			continue
		}
		kept = append(kept, h)
	}
	return kept
}

// minMisread is the shortest first word of a label that is still
// recognised with one letter misread: shorter words are too often other
// words one letter apart.
const minMisread = 6

// misreadIndex maps each label first word of at least minMisread bytes,
// and each of its one-byte deletions, to the words it came from: two
// words one edit apart share a key (symmetric deletion).
var misreadIndex = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for w := range labelIndex() {
		if len(w) < minMisread || strings.ContainsFunc(w, func(r rune) bool { return r >= utf8.RuneSelf }) {
			continue
		}
		for _, k := range deletions(w) {
			if !slices.Contains(m[k], w) {
				m[k] = append(m[k], w)
			}
		}
	}
	for _, ws := range m {
		slices.Sort(ws) // the same answer every run
	}
	return m
})

// deletions returns w and w with each one byte dropped.
func deletions(w string) []string {
	out := []string{w}
	for i := range len(w) {
		out = append(out, w[:i]+w[i+1:])
	}
	return out
}

// misreadLabel finds a label OCR misread by one letter in the first word
// of a cell ("lnvoice date:", "Päivämäärät 18012014"): the rest of the
// label must match and a colon or a digit must follow it, so that a word
// one letter from a label ("Supplies", "Invoices are…") is not taken for
// one; party and terms labels are never read misspelt.
func misreadLabel(text, f string, pos []int) (labelHit, bool) {
	first, _, _ := strings.Cut(f, " ")
	if len(first) < minMisread-1 || labelIndex()[first] != nil {
		return labelHit{}, false
	}
	seen := map[string]bool{}
	for _, k := range deletions(first) {
		for _, w := range misreadIndex()[k] {
			if seen[w] || !OneEdit(first, w) {
				continue
			}
			seen[w] = true
			for _, e := range labelIndex()[w] {
				rest := e.phrase[len(w):]
				if !strings.HasPrefix(f[len(first):], rest) {
					continue
				}
				end := len(first) + len(rest)
				if end < len(f) && f[end] != ' ' {
					continue
				}
				origEnd := len(text)
				if end < len(f) {
					origEnd = pos[end]
				}
				// A party or terms label read from a misspelt word would
				// take what follows for a name ("Supplies" is no
				// "Supplier"); and a value must follow on the cell.
				if e.field == fSeller || e.field == fBuyer || e.field == fTerms {
					continue
				}
				after := strings.TrimLeft(text[origEnd:], " .")
				colon := followedByColon(text, origEnd)
				if end == len(f) {
					// Folding dropped the label's own colon ("AMOUT DUE:").
					colon = strings.HasSuffix(strings.TrimRight(text, " .)*\t"), ":")
				}
				if !colon && (after == "" || after[0] < '0' || after[0] > '9') {
					continue
				}
				return labelHit{field: e.field, phrase: e.phrase, lang: e.lang, start: pos[0], end: origEnd}, true
			}
		}
	}
	return labelHit{}, false
}

func wordStarts(f string) []int {
	var out []int
	for i := 0; i < len(f); i++ {
		if (i == 0 || f[i-1] == ' ') && f[i] != ' ' {
			out = append(out, i)
		}
	}
	return out
}

// followedByColon reports a ':' (or '：') right after the label, ignoring
// spaces, dots, closing brackets and a trailing "(incl. VAT)"-less
// punctuation.
func followedByColon(text string, i int) bool {
	for i < len(text) {
		switch text[i] {
		case ' ', '.', ')', ']', '*', '\t':
			i++
			continue
		case ':':
			return true
		}
		return strings.HasPrefix(text[i:], "：")
	}
	return false
}

// hasLetterOutsideParens reports a letter in s outside parentheses and
// other than a lone number sign or abbreviation mark.
func hasLetterOutsideParens(s string) bool {
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			depth--
		case depth == 0 && unicode.IsLetter(r) && r != 'º' && r != 'ª':
			f := fold(s)
			return f != "no" && f != "nr" && f != "n" && f != "o"
		}
	}
	return false
}

func isAlnumByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// qualifierWord are the words that qualify a total by its tax.
var qualifierWord = map[string]bool{"incl": true, "inkl": true, "including": true, "inclusive": true, "inclusief": true, "excl": true, "exkl": true, "excluding": true,
	"exclusief": true, "ohne": true, "zzgl": true, "zuzugl": true, "zuzuglich": true, "plus": true, "with": true, "without": true, "con": true, "sin": true, "senza": true,
	"com": true, "sem": true, "ex": true, "hors": true, "avec": true, "bez": true, "z": true, "inc": true, "der": true, "de": true, "met": true, "zonder": true, "inclusa": true, "incluido": true, "incluso": true}

func lastWord(f string) string {
	f = strings.TrimSpace(f)
	if i := strings.LastIndexByte(f, ' '); i >= 0 {
		return f[i+1:]
	}
	return f
}
