# Types for the compiled build only (hatch_build.py compiles valueops.py with Cython; a pure
# install ignores this file). Every caller passes exactly these types (the generated code
# checks `type(value) is dict` first), so typing them changes no result: it lets Cython walk
# the copy's items with the C dict iterator and recurse with C calls (~4% of map_resource).
cimport cython

@cython.locals(out=dict, is_money=bint)
cpdef dict copy_dict(dict value, bint money, list found, frozenset skip=*)

@cython.locals(items=list)
cpdef list copy_list(list value, bint money, list found)

# Money's keys (module constants): C variables, not a module-dict lookup per copy
cdef object _SYSTEM, _CODE
