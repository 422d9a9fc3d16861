// Post the one-time hand-off token at once; the button stays for browsers without scripts.
document.getElementById("handoff-form")?.submit();
