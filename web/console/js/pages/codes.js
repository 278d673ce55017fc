import { h } from '../dom.js'

export default { id: 'codes', title: 'codes', roles: ['admin'], render (root) { root.appendChild(h('p', {}, '建设中')) } }
