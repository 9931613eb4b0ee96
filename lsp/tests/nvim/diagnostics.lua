-- Driven by lsp/tests/nvim.rs: open MIRAGE_NVIM_FILE, wait for the
-- diagnostics mirage-lsp publishes, write them as JSON to MIRAGE_NVIM_OUT.
local out = os.getenv("MIRAGE_NVIM_OUT")
local file = os.getenv("MIRAGE_NVIM_FILE")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local result = { filetype = vim.bo.filetype, waited = ok, diagnostics = {} }
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, message = d.message, code = d.code, severity = d.severity, source = d.source })
end
local f = io.open(out, "w")
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd("qa!")
