-- Start `mirage-lsp` for `.mirage` buffers. Configure before this runs:
--   vim.g.mirage_lsp_cmd = { "/path/to/mirage-lsp" }   -- default { "mirage-lsp" }
--   vim.g.mirage_lsp_disable = true                    -- to call require("mirage").setup() yourself
if vim.g.loaded_mirage then
  return
end
vim.g.loaded_mirage = true
-- ftdetect/ is only read by `:filetype on`; add the extension here too.
vim.filetype.add({ extension = { mirage = "mirage" } })
if not vim.g.mirage_lsp_disable then
  require("mirage").setup({ cmd = vim.g.mirage_lsp_cmd })
end
