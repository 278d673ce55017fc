import { h } from '../dom.js'

export default { id: 'audit', title: 'audit', roles: ['admin'], render (root) { root.appendChild(h('p', {}, '建设中')) } }
