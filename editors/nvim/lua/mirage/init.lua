-- Mirage for Neovim: filetype, comment string and the `mirage-lsp` client.
-- Works with Neovim 0.7 (vim.lsp.start_client) and later (vim.lsp.start).
local M = {}

-- One client per project directory (a Mirage project is one directory).
local clients = {}

local function project_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  return vim.fn.fnamemodify(name, ":p:h")
end

local function attach(bufnr, opts)
  local root = project_dir(bufnr)
  local config = {
    name = "mirage-lsp",
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

--- Set up the filetype and start `mirage-lsp` for every `mirage` buffer.
--- opts.cmd: the server command, default { "mirage-lsp" }.
function M.setup(opts)
  opts = opts or {}
  opts.cmd = opts.cmd or { "mirage-lsp" }
  vim.filetype.add({ extension = { mirage = "mirage" } })
  local group = vim.api.nvim_create_augroup("mirage_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "mirage",
    callback = function(args)
      vim.bo[args.buf].commentstring = "// %s"
      attach(args.buf, opts)
    end,
  })
end

return M
