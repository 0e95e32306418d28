// Planted: formatting Prettier would change (double quotes, missing spaces); lint-clean otherwise.
export function label(name){return "Item: "+name}
