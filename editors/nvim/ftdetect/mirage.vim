" `.mirage` files are Mirage (KDL v2) files. Vimscript, because Neovim 0.7
" uses Lua filetype rules (vim.filetype.add) only with g:do_filetype_lua.
autocmd BufRead,BufNewFile *.mirage setfiletype mirage
